import { MSG, createPackr, createWireCodec } from '../../src/protocol/index.ts';
import { createUwsTransport, createWsTransport, loadUws } from '../../src/transport/index.ts';
import type { ClientTransport } from '../../src/transport/index.ts';
import type { BenchRow, BenchSuite } from '../bench-types.ts';
import { type FanoutServer, type SendMode, startFanoutServer } from './fanout-server.ts';
import { measureInterleaved } from './measure-rounds.ts';
import { type ClientSwarm, startClientSwarm } from './swarm-handle.ts';

/**
 * Gate-side fan-out through the ClientTransport seam: per round, the server sends PER_CLIENT small
 * to-client messages to each of C connected clients and waits until every byte is with the kernel. The
 * timed window is the SERVER's send path only: the `ws` clients live in a child process (client-swarm.ts),
 * and their receipt of each round is confirmed outside the timed window before the next round starts, so
 * every round begins with empty socket buffers and is checked for lost or misrouted messages. Both
 * servers stay up (each with its own swarm process) and the cases take turns in blocks.
 *
 * Baseline: the `ws` implementation. Sends are either one `send` per message (what the gate does today)
 * or the connection's messages of the round inside one `cork` (uWS: one syscall per client instead of one
 * per message; `ws` has no cork, its cork() just runs the function, so that row measures the same path).
 */
const CLIENTS = [100, 500];
const PER_CLIENT = 10;
const MODES: SendMode[] = ['per-message', 'corked'];
const WARMUP_ROUNDS = 5;
/** The four cases of one client count take turns BLOCKS times, ROUNDS_PER_BLOCK rounds each. */
const BLOCKS = 5;
const ROUNDS_PER_BLOCK = 15;

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

interface Setup {
  impl: Impl;
  fanout: FanoutServer;
  swarm: ClientSwarm;
  /** Messages each client has received since it connected. */
  received: number;
}

async function setUp(impl: Impl, swarm: ClientSwarm, clients: number): Promise<Setup> {
  const fanout = await startFanoutServer(impl.transport);
  try {
    await swarm.connect(fanout.url, clients);
    await fanout.waitForClients(clients);
  } catch (err) {
    await fanout.stop();
    throw err;
  }
  return { impl, fanout, swarm, received: 0 };
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
    const list = await impls(log);
    // One swarm process per implementation: both servers stay connected while the cases take turns.
    const swarms = list.map(() => startClientSwarm());
    try {
      for (const clients of CLIENTS) {
        const setups: Setup[] = [];
        try {
          for (let i = 0; i < list.length; i++) setups.push(await setUp(list[i], swarms[i], clients));
          const backpressured = new Map<string, number>();
          const cases = setups.flatMap((setup) =>
            MODES.map((sends) => ({
              key: `${setup.impl.name} ${sends}`,
              round: async () => {
                const r = await setup.fanout.round(messages, sends);
                const key = `${setup.impl.name} ${sends}`;
                backpressured.set(key, (backpressured.get(key) ?? 0) + r.backpressured);
                setup.received += PER_CLIENT;
                await setup.swarm.expect(setup.received * clients, setup.received);
                return r.ms;
              },
            })),
          );
          const timings = await measureInterleaved(cases, { warmup: WARMUP_ROUNDS, blocks: BLOCKS, roundsPerBlock: ROUNDS_PER_BLOCK }, (block) =>
            log(`clients=${clients}: block ${block}/${BLOCKS} done (${cases.length} cases × ${ROUNDS_PER_BLOCK} rounds)`),
          );
          for (const setup of setups) {
            for (const sends of MODES) {
              const key = `${setup.impl.name} ${sends}`;
              const timing = timings.get(key)!;
              const msgsPerSec = Math.round((clients * PER_CLIENT) / (timing.medianMs / 1000));
              const pressured = backpressured.get(key) ?? 0;
              rows.push({
                clients,
                sends,
                impl: setup.impl.name,
                baseline: setup.impl.baseline,
                msPerTick: timing.medianMs,
                meanMs: timing.meanMs,
                p95Ms: timing.p95Ms,
                samples: timing.samples,
                perClient: PER_CLIENT,
                bytesPerMsg: bytesPerMessage,
                msgsPerSec,
                backpressured: pressured,
              });
              log(
                `${setup.impl.name.padEnd(3)} ${sends.padEnd(11)} clients=${clients}: median ${timing.medianMs.toFixed(2)} ms/round, ` +
                  `${(msgsPerSec / 1e6).toFixed(2)} M msgs/s (p95 ${timing.p95Ms.toFixed(2)} ms, ${timing.samples} rounds` +
                  `${pressured > 0 ? `, ${pressured} sends backpressured` : ''})`,
              );
            }
          }
        } finally {
          for (const setup of setups) await setup.fanout.stop();
        }
      }
    } finally {
      for (const swarm of swarms) await swarm.stop();
    }
    return { suite: 'transport', rows };
  },
};
