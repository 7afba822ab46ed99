import WebSocket from 'ws';
import type { WebSocketConstructor } from '../../src/client/index.ts';
import { runBots } from '../../src/testing/bots/index.ts';
import type { BotGroup, BotGroupOptions } from './bot-group.ts';
import { ECHO_HZ, MOVE_HZ, SPEED } from './peers-workload.ts';

/** tsworld's own bot fleet (src/testing/bots) on the peers workload, counting the bytes its sockets receive. */
export async function tsworldBots(opts: BotGroupOptions): Promise<BotGroup> {
  const counter = { bytes: 0 };
  class CountingWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, { perMessageDeflate: false });
      // The SDK asks for ArrayBuffers; count whichever form arrives.
      this.on('message', (data: ArrayBuffer | Buffer) => {
        counter.bytes += data.byteLength;
      });
    }
  }
  const fleet = await runBots({
    url: opts.urls,
    count: opts.count,
    moveHz: MOVE_HZ,
    channels: [
      { name: 'echo', method: 'echo', reply: 'onEcho', hz: ECHO_HZ },
      ...(opts.crossCalls ? [{ name: 'cross', method: 'crossCall', reply: 'onCross', hz: ECHO_HZ }] : []),
    ],
    speed: SPEED,
    area: opts.area,
    seed: opts.seed,
    connectTimeoutMs: 120_000,
    WebSocket: CountingWebSocket as unknown as WebSocketConstructor,
  });
  let markedAt = performance.now();
  let bytesAtMark = 0;
  const names = opts.crossCalls ? ['echo', 'cross'] : ['echo'];
  let repliesAtMark = new Map<string, number[]>();
  const replies = (name: string) => fleet.bots.map((b) => b.channels.get(name)?.replies ?? []);
  const sinceMark = (name: string) => replies(name).flatMap((r, i) => r.slice(repliesAtMark.get(name)?.[i] ?? 0).map((x) => x.rttMs));
  return {
    mark() {
      markedAt = performance.now();
      bytesAtMark = counter.bytes;
      repliesAtMark = new Map(names.map((name) => [name, replies(name).map((r) => r.length)]));
    },
    collect() {
      const rtts = sinceMark('echo');
      const crossRtts = opts.crossCalls ? sinceMark('cross') : [];
      // Every problem listed: the in-flight replies are filtered out below, so none may hide behind a cap.
      const report = fleet.report(Number.MAX_SAFE_INTEGER);
      return {
        rtts,
        crossRtts,
        bytes: counter.bytes - bytesAtMark,
        windowMs: performance.now() - markedAt,
        clients: fleet.bots.length,
        inView: fleet.bots.reduce((n, b) => n + Math.max(0, b.client.entities.size - 1), 0),
        // Replies still in flight at the window's end are not problems; order violations, closes and errors are.
        problems: report.problems.filter((p) => !/ unanswered, first /.test(p)),
      };
    },
    close: () => fleet.close(10_000),
  };
}
