import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { connectClient, type TsworldClient, type WebSocketConstructor } from '../../src/client/index.ts';
import { AREA_ENV, GAMES_ENV } from '../peers/peer-game.ts';
import { quantileOf } from '../peers/samples.ts';
import { startTsworld } from '../peers/tsworld-system.ts';

/**
 * The floor under the calls suite's figures: one client on an otherwise idle deployment (1 dispatcher,
 * 2 games, 1 gate, loopback) sends echo and crossCall one at a time, each after the previous answer and
 * a gap, and prints the round trips' p10 / p50 / p99.
 *
 *   npx tsx benchmarks/calls/idle-round-trips.ts [--calls 300] [--gap-ms 0]
 *
 * With no gap the processes stay awake; with a gap of a few ms they sleep between calls, and the
 * difference is what waking them costs on this machine.
 */
const { values } = parseArgs({ options: { calls: { type: 'string', default: '300' }, 'gap-ms': { type: 'string', default: '0' } } });
const CALLS = Number(values.calls);
const GAP_MS = Number(values['gap-ms']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Round trips of `method`, answered by the client call `reply`, one call in flight at a time. */
async function roundTrips(client: TsworldClient, playerId: string, method: string, reply: string): Promise<number[]> {
  const rtts: number[] = [];
  for (let seq = 0; seq < CALLS; seq++) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}(${seq}) got no ${reply} within 5 s`)), 5000);
      const off = client.on('call', (_entity, m) => {
        if (m !== reply) return;
        off();
        clearTimeout(timer);
        resolve();
      });
      client.call(playerId, method, seq);
    });
    rtts.push(performance.now() - t0);
    if (GAP_MS > 0) await sleep(GAP_MS);
  }
  return rtts;
}

async function main(): Promise<void> {
  const entry = join(import.meta.dirname, '..', 'peers', 'peer-game-aoi.ts');
  const d = await startTsworld({ entry, games: 2, env: { [AREA_ENV]: '100', [GAMES_ENV]: '2' } });
  try {
    const client = await connectClient({ url: d.wsUrls[0], WebSocket: WebSocket as unknown as WebSocketConstructor });
    const player = await client.waitForPlayer();
    // The player enters its Arena on a timer; let that and the JIT settle before timing.
    await sleep(500);
    for (const [method, reply] of [['echo', 'onEcho'], ['crossCall', 'onCross']] as const) {
      const rtts = await roundTrips(client, player.id, method, reply);
      const q = (p: number) => quantileOf(rtts, p).toFixed(2);
      console.log(`${method.padEnd(9)} ${CALLS} calls, gap ${GAP_MS} ms: p10 ${q(0.1)}  p50 ${q(0.5)}  p99 ${q(0.99)} ms`);
    }
    client.close();
  } finally {
    await d.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
