import { MSG, createPackr, createWireCodec } from '../../src/protocol/index.ts';
import { createUwsTransport, createWsTransport, loadUws } from '../../src/transport/index.ts';
import type { ClientTransport } from '../../src/transport/index.ts';
import type { BenchRow, BenchSuite } from '../bench-types.ts';
import { type SendMode, startFanoutServer } from './fanout-server.ts';
import { measureRounds } from './measure-rounds.ts';
import { startClientSwarm } from './swarm-handle.ts';

/**
 * Gate-side fan-out through the ClientTransport seam: per round, the server sends PER_CLIENT small
 * to-client messages to each of C connected clients and waits until every byte is with the kernel. The
 * timed window is the SERVER's send path only: the `ws` clients live in a child process (client-swarm.ts),
 * and their receipt of each round is confirmed outside the timed window before the next round starts, so
 * every round begins with empty socket buffers and is checked for lost or misrouted messages.
 *
 * Baseline: the `ws` implementation. Sends are either one `send` per message (what the gate does today)
 * or the connection's messages of the round inside one `cork` (uWS: one syscall per client instead of one
 * per message; `ws` has no cork, its cork() just runs the function, so that row measures the same path).
 */
const CLIENTS = [100, 500];
const PER_CLIENT = 10;
const MODES: SendMode[] = ['per-message', 'corked'];
const WARMUP_ROUNDS = 5;
const ROUNDS = 60;

/** Ten distinct ~40-byte messages shaped like a real one: an RPC to the client's entity. */
function makeMessages(): Uint8Array[] {
  const codec = createWireCodec({ packr: createPackr() });
  return Array.from({ length: PER_CLIENT }, (_, k) =>
    codec.encodeToClientMessage(MSG.CALL_ENTITY_METHOD_ON_CLIENT, {
      entityId: `Avatar0000000${String(k).padStart(3, '0')}`,
      method: 'onHit',
      args: [k, 12.5],
    }),
  );
}

interface Impl {
  name: 'uws' | 'ws';
  baseline: boolean;
  transport: ClientTransport;
}

async function impls(log: (line: string) => void): Promise<Impl[]> {
  const list: Impl[] = [{ name: 'ws', baseline: true, transport: createWsTransport() }];
  const loaded = await loadUws();
  if (loaded !== null && loaded.native) list.push({ name: 'uws', baseline: false, transport: createUwsTransport(loaded.uws) });
  else log('uws: native uWebSockets.js did not load; only the ws baseline is measured');
  return list;
}

export const transportSuite: BenchSuite = {
  name: 'transport',
  description:
    `gate fan-out on the ClientTransport seam: ${PER_CLIENT} messages of ~40 B to each of C ws clients (child process) ` +
    `per round, server send path until the kernel has every byte; uWS vs ws, per-message sends vs cork()`,
  workloadColumns: ['clients', 'sends'],
  async run(log) {
    const messages = makeMessages();
    const bytesPerMessage = messages.reduce((n, m) => n + m.length, 0) / messages.length;
    const rows: BenchRow[] = [];
    const swarm = startClientSwarm();
    try {
      for (const clients of CLIENTS) {
        for (const impl of await impls(log)) {
          const fanout = await startFanoutServer(impl.transport);
          try {
            await swarm.connect(fanout.url, clients);
            await fanout.waitForClients(clients);
            let received = 0;
            for (const sends of MODES) {
              let backpressured = 0;
              const timing = await measureRounds(
                `${impl.name} ${sends} ${clients}`,
                async () => {
                  const r = await fanout.round(messages, sends);
                  backpressured += r.backpressured;
                  received += PER_CLIENT;
                  await swarm.expect(received * clients, received);
                  return r.ms;
                },
                { warmup: WARMUP_ROUNDS, rounds: ROUNDS },
              );
              const msgsPerSec = Math.round((clients * PER_CLIENT) / (timing.medianMs / 1000));
              rows.push({
                clients,
                sends,
                impl: impl.name,
                baseline: impl.baseline,
                msPerTick: timing.medianMs,
                meanMs: timing.meanMs,
                p95Ms: timing.p95Ms,
                samples: timing.samples,
                perClient: PER_CLIENT,
                bytesPerMsg: bytesPerMessage,
                msgsPerSec,
                backpressured,
              });
              log(
                `${impl.name.padEnd(3)} ${sends.padEnd(11)} clients=${clients}: median ${timing.medianMs.toFixed(2)} ms/round, ` +
                  `${(msgsPerSec / 1e6).toFixed(2)} M msgs/s (p95 ${timing.p95Ms.toFixed(2)} ms, ${timing.samples} rounds` +
                  `${backpressured > 0 ? `, ${backpressured} sends backpressured` : ''})`,
              );
            }
          } finally {
            await fanout.stop();
          }
        }
      }
    } finally {
      await swarm.stop();
    }
    return { suite: 'transport', rows };
  },
};
