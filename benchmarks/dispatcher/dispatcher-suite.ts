import { MSG, createPackr, createWireCodec } from '../../src/protocol/index.ts';
import type { WireCodec } from '../../src/protocol/index.ts';
import type { BenchRow, BenchSuite } from '../bench-types.ts';
import { measureInterleaved } from '../transport/measure-rounds.ts';
import { type FakePeer, connectFakePeer } from './fake-peer.ts';
import { type RouterProcess, startRouterProcess } from './router-process.ts';

/**
 * Entity-call routing throughput, end to end over real TCP links: game 1 sends bursts of
 * CALL_ENTITY_METHOD frames (TICKS ticks of PER_TICK frames, one link flush per tick as the game does) to
 * ENTITIES entities registered by game 2; a burst is timed from its first send until game 2's link has
 * received its last frame. The router runs in its own process (router-worker.ts), the fake games and an
 * idle gate in this one.
 *
 * tsworld: the real dispatcher (startDispatcher), routing by type table and key bytes. Baseline: a
 * router that decodes every frame fully and re-encodes it (naive-router.ts), which DESIGN.md rules out.
 * Every burst is checked: frame count, body bytes, and the last body byte-identical to what was sent.
 * Both routers run at once (separate processes and links) and the cases take turns in blocks.
 */
const ENTITIES = 10_000;
const TICKS = 10;
const PER_TICK = 2_000;
const BURST = TICKS * PER_TICK;
const WARMUP_BURSTS = 3;
/** The four cases take turns BLOCKS times, BURSTS_PER_BLOCK bursts each. */
const BLOCKS = 6;
const BURSTS_PER_BLOCK = 8;

const ROUTERS = [
  { name: 'naive-decode-reencode', baseline: true },
  { name: 'tsworld', baseline: false },
];

/** Small: a typical RPC (a few numbers and a short string). Large: a nested map and a 200-char string. */
const PAYLOADS: Record<string, (seq: number) => unknown[]> = {
  small: (seq) => [seq, 12.5, 'fire'],
  large: (seq) => [
    seq,
    { item: 'sword of the morning', damage: 12.5, tags: ['fire', 'ice', 'rare'], at: [1.5, 2.5, 3.5] },
    'x'.repeat(200),
  ],
};

const entityId = (i: number): string => `Monster${String(i).padStart(9, '0')}`;

function buildBurst(codec: WireCodec, args: (seq: number) => unknown[]): Uint8Array[] {
  return Array.from({ length: BURST }, (_, i) =>
    codec.encode(MSG.CALL_ENTITY_METHOD, { entityId: entityId((i * 7919) % ENTITIES), method: 'onDamage', args: args(i) }),
  );
}

/** Game 2 creates the entities; a call it sends to its own last entity comes back once all are routable. */
async function registerEntities(codec: WireCodec, target: FakePeer): Promise<void> {
  for (let i = 0; i < ENTITIES; i++) {
    codec.encodeTo(target.link, MSG.NOTIFY_CREATE_ENTITY, { entityId: entityId(i), typeName: 'Monster' });
  }
  const probe = target.waitCalls(target.calls + 1, 10_000);
  codec.encodeTo(target.link, MSG.CALL_ENTITY_METHOD, { entityId: entityId(ENTITIES - 1), method: 'probe', args: [] });
  target.link.flush();
  await probe;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** One burst, timed from the first send to the last frame at the target. */
async function burst(sender: FakePeer, target: FakePeer, bodies: Uint8Array[], burstBytes: number): Promise<number> {
  const calls0 = target.calls;
  const bytes0 = target.callBytes;
  const last = target.waitCalls(calls0 + BURST, 30_000);
  const t0 = performance.now();
  for (let tick = 0; tick < TICKS; tick++) {
    for (let i = tick * PER_TICK; i < (tick + 1) * PER_TICK; i++) sender.link.send(MSG.CALL_ENTITY_METHOD.id, bodies[i]);
    sender.link.flush();
    // Each tick is its own write, as in a game; the turn in between also lets the target read.
    if (tick + 1 < TICKS) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const lastBody = await last;
  const ms = performance.now() - t0;
  if (target.calls - calls0 !== BURST || target.callBytes - bytes0 !== burstBytes || !sameBytes(lastBody, bodies[BURST - 1])) {
    throw new Error(
      `burst misrouted: ${target.calls - calls0}/${BURST} frames, ${target.callBytes - bytes0}/${burstBytes} bytes, ` +
        `last body ${sameBytes(lastBody, bodies[BURST - 1]) ? 'matches' : 'differs'}`,
    );
  }
  return ms;
}

export const dispatcherSuite: BenchSuite = {
  name: 'dispatcher',
  description:
    `entity-call routing over TCP links: ${TICKS} ticks × ${PER_TICK} CALL_ENTITY_METHOD frames from game 1 to ` +
    `${ENTITIES} entities on game 2, router in its own process; real dispatcher vs decode+re-encode router`,
  workloadColumns: ['payload'],
  async run(log) {
    const codec = createWireCodec({ packr: createPackr() });
    const bursts = Object.entries(PAYLOADS).map(([payload, args]) => {
      const bodies = buildBurst(codec, args);
      const bytes = bodies.reduce((n, b) => n + b.length, 0);
      return { payload, bodies, bytes };
    });
    const rows: BenchRow[] = [];
    const started: Array<{ proc: RouterProcess; peers: FakePeer[] }> = [];
    try {
      // Both routers stay up, each with its own fake games, and the cases take turns in blocks.
      const cases = [];
      for (const router of ROUTERS) {
        const proc = await startRouterProcess(router.name);
        const peers: FakePeer[] = [];
        started.push({ proc, peers });
        const sender = await connectFakePeer(proc.port, codec, { gameId: 1 });
        const target = await connectFakePeer(proc.port, codec, { gameId: 2 });
        peers.push(sender, target, await connectFakePeer(proc.port, codec, { gateId: 1 }));
        await registerEntities(codec, target);
        log(`${router.name}: listening on ${proc.port}, 2 games and a gate connected, ${ENTITIES} entities registered`);
        for (const { payload, bodies, bytes } of bursts) {
          cases.push({ key: `${router.name} ${payload}`, round: () => burst(sender, target, bodies, bytes) });
        }
      }
      const timings = await measureInterleaved(cases, { warmup: WARMUP_BURSTS, blocks: BLOCKS, roundsPerBlock: BURSTS_PER_BLOCK }, (block) =>
        log(`block ${block}/${BLOCKS} done (${cases.length} cases × ${BURSTS_PER_BLOCK} bursts)`),
      );
      for (const { payload, bytes } of bursts) {
        for (const router of ROUTERS) {
          const timing = timings.get(`${router.name} ${payload}`)!;
          const framesPerSec = Math.round(BURST / (timing.medianMs / 1000));
          rows.push({
            payload,
            impl: router.name,
            baseline: router.baseline,
            msPerTick: timing.medianMs,
            meanMs: timing.meanMs,
            p95Ms: timing.p95Ms,
            samples: timing.samples,
            framesPerBurst: BURST,
            bodyBytes: Math.round(bytes / BURST),
            framesPerSec,
          });
          log(
            `${router.name.padEnd(21)} ${payload.padEnd(5)} (${Math.round(bytes / BURST)} B bodies): median ` +
              `${timing.medianMs.toFixed(1)} ms per ${BURST}-frame burst, ${(framesPerSec / 1e6).toFixed(2)} M frames/s ` +
              `(p95 ${timing.p95Ms.toFixed(1)} ms, ${timing.samples} bursts)`,
          );
        }
      }
    } finally {
      for (const { proc, peers } of started) {
        for (const peer of peers) peer.close();
        await proc.stop();
      }
    }
    return { suite: 'dispatcher', rows };
  },
};
