import { join } from 'node:path';
import type { WalkArea } from '../../src/testing/bots/index.ts';
import type { BotWindow } from './bot-group.ts';
import { startChild, type IpcChild } from './child-ipc.ts';
import type { RunningSystem } from './peer-system.ts';

const BOT_PROCESS = join(import.meta.dirname, 'bot-process.ts');

/** Bots per child process at most; N is spread evenly over ceil(N / this) processes, at least 2 and at most 4. */
const PER_PROCESS = 250;

export interface BotPool {
  readonly pids: readonly number[];
  mark(): Promise<void>;
  /** Every process's window, merged. */
  collect(): Promise<BotWindow>;
  stop(): Promise<void>;
}

export interface BotPoolOptions {
  /** tsworld only: the bots also make cross-game calls (BotGroupOptions.crossCalls). */
  crossCalls?: boolean;
}

/** What the bots need of a running system: where to connect and (Colyseus) which room to join. */
export type BotTarget = Pick<RunningSystem, 'urls' | 'roomId'>;

export async function startBotPool(
  client: 'tsworld' | 'colyseus',
  system: BotTarget,
  n: number,
  area: WalkArea,
  seed: number,
  opts: BotPoolOptions = {},
): Promise<BotPool> {
  const processes = Math.min(4, Math.max(2, Math.ceil(n / PER_PROCESS)), n);
  const children: IpcChild[] = Array.from({ length: processes }, () => startChild(BOT_PROCESS));
  const stop = async () => {
    await Promise.all(children.map((c) => c.stop()));
  };
  try {
    await Promise.all(
      children.map((c, i) => {
        const count = Math.floor(n / processes) + (i < n % processes ? 1 : 0);
        const start = { op: 'start', client, urls: system.urls, roomId: system.roomId, count, seed: seed * 100 + i, area, crossCalls: opts.crossCalls };
        return c.request(start, 'started', 180_000);
      }),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    pids: children.map((c) => c.pid),
    async mark() {
      await Promise.all(children.map((c) => c.request({ op: 'mark' }, 'marked', 10_000)));
    },
    async collect() {
      const parts = (await Promise.all(children.map((c) => c.request({ op: 'collect' }, 'collected', 30_000)))) as unknown as BotWindow[];
      return {
        rtts: parts.flatMap((p) => p.rtts),
        crossRtts: parts.flatMap((p) => p.crossRtts),
        bytes: parts.reduce((a, p) => a + p.bytes, 0),
        windowMs: Math.max(...parts.map((p) => p.windowMs)),
        clients: parts.reduce((a, p) => a + p.clients, 0),
        inView: parts.reduce((a, p) => a + p.inView, 0),
        problems: parts.flatMap((p) => p.problems),
      };
    },
    stop,
  };
}
