import { join } from 'node:path';
import { freePort } from '../../src/testing/free-port.ts';
import { startChild } from './child-ipc.ts';
import type { PeerSystem, RunningSystem, TickStats } from './peer-system.ts';
import { quantileOf } from './samples.ts';

const SERVER = join(import.meta.dirname, 'colyseus-server.ts');

/** One step and the patch after it make one tick (both run every 1000 / TICK_HZ ms). */
function tickStats(simMs: number[], patchMs: number[]): TickStats {
  const n = Math.min(simMs.length, patchMs.length);
  const ticks = Array.from({ length: n }, (_, i) => simMs[i] + patchMs[i]);
  return {
    p50Ms: quantileOf(ticks, 0.5),
    p95Ms: quantileOf(ticks, 0.95),
    p99Ms: quantileOf(ticks, 0.99),
    meanMs: ticks.reduce((a, b) => a + b, 0) / Math.max(1, n),
    samples: n,
  };
}

/** Colyseus (@colyseus/core with its Schema state) on @colyseus/uwebsockets-transport, in a process of its own. */
export function colyseusSystem(): PeerSystem {
  return {
    name: 'colyseus',
    client: 'colyseus',
    async start(): Promise<RunningSystem> {
      const port = await freePort();
      const child = startChild(SERVER, [String(port)]);
      try {
        const ready = await child.next('ready', 30_000);
        return {
          urls: [`ws://127.0.0.1:${port}`],
          roomId: String(ready.roomId),
          pids: { colyseus: child.pid },
          async tickWindow() {
            await child.request({ op: 'mark' }, 'marked', 10_000);
            return async () => {
              const r = await child.request({ op: 'collect' }, 'ticks', 10_000);
              return tickStats(r.simMs as number[], r.patchMs as number[]);
            };
          },
          stop: () => child.stop(),
        };
      } catch (err) {
        await child.stop();
        throw err;
      }
    },
  };
}
