import { Bench } from 'tinybench';
import { createTestCluster, type TestCluster } from '../../src/testing/test-cluster.ts';
import type { BenchRow, BenchSuite } from '../bench-types.ts';
import { benchGame, fieldId, type HopSink } from './bench-game.ts';

/** Movers hopping at once, per round; every round moves each of them to the other game once. */
const MOVERS = 2000;
const ROUNDS = 8;
const TICK_HZ = 20;
/** The latency phase: this many hops, one every PACE_MS (250 a second), each of another mover. */
const PACED_HOPS = 500;
const PACE_MS = 4;

export interface How {
  impl: string;
  how: 'migrate' | 'reload';
  baseline: boolean;
  /** Dispatchers in the cluster (default 1). With 2, the source waits for the other one's ack first. */
  dispatchers?: number;
}

export const HOWS: How[] = [
  { impl: 'migration', how: 'migrate', baseline: false },
  // The order barrier (SPEC.md "Migration") costs one acknowledgement round trip with 2 dispatchers.
  { impl: 'migration-2-dispatchers', how: 'migrate', baseline: false, dispatchers: 2 },
  { impl: 'destroy-and-reload-from-storage', how: 'reload', baseline: true },
];

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

/** Where each mover is, when its current hop was asked for, and how long each hop took. */
function createSink(): HopSink & { readonly gameOf: Map<string, number>; readonly latencies: number[]; readonly windows: number[]; waitAll(n: number): Promise<void> } {
  const gameOf = new Map<string, number>();
  const askedAt = new Map<string, number>();
  const goneAt = new Map<string, number>();
  const latencies: number[] = [];
  const windows: number[] = [];
  let arrivedCount = 0;
  let want = 0;
  let done: (() => void) | null = null;
  return {
    gameOf,
    latencies,
    windows,
    asked(id) {
      askedAt.set(id, performance.now());
    },
    gone(id) {
      goneAt.set(id, performance.now());
    },
    arrived(id, _seq, gameId) {
      const now = performance.now();
      latencies.push(now - askedAt.get(id)!);
      windows.push(now - goneAt.get(id)!);
      gameOf.set(id, gameId);
      if (++arrivedCount === want) done?.();
    },
    waitAll(n) {
      arrivedCount = 0;
      want = n;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${arrivedCount} of ${n} hops arrived within 60 s`)), 60_000);
        done = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
  };
}

/** Starts a cluster (2 games, real roles over in-memory links, system clock) with MOVERS on game 1. */
async function start(sink: ReturnType<typeof createSink>, movers: number, dispatchers: number): Promise<TestCluster> {
  const cluster = await createTestCluster({ game: benchGame(sink), games: 2, gates: 1, dispatchers, clock: 'system', tickHz: TICK_HZ });
  const world = cluster.games[0]!.world;
  await waitFor(() => cluster.games.every((g) => g.world.space(fieldId(g.world.gameId)) !== undefined));
  // Spread out, a few neighbours each (AOI radius 20): the figures are the hand-off's, not the AOI's.
  for (let i = 0; i < movers; i++) {
    const position = { x: (i % 100) * 15, y: 0, z: Math.floor(i / 100) * 15 };
    sink.gameOf.set(world.createEntity('Mover', { space: fieldId(1), position }), 1);
  }
  await waitFor(() => cluster.dispatchers.reduce((n, d) => n + d.stats.entities, 0) >= movers);
  return cluster;
}

async function waitFor(probe: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !probe(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!probe()) throw new Error('the bench cluster did not get ready');
}

/** One round: every mover hops to the other game; resolves once each is reachable there again. */
async function round(cluster: TestCluster, sink: ReturnType<typeof createSink>, how: How, seq: number): Promise<void> {
  const arrived = sink.waitAll(sink.gameOf.size);
  for (const [id, gameId] of sink.gameOf) {
    const result = cluster.games[gameId - 1]!.world.call(id, 'hop', [3 - gameId, how.how, seq]);
    if (!result.ok) throw new Error(`hop ${seq} of ${id} on game ${gameId}: ${result.message}`);
  }
  await arrived;
}

/** Hops at a steady rate, one mover at a time: the hand-off's latency, not the queueing of a burst. */
async function paced(cluster: TestCluster, sink: ReturnType<typeof createSink>, how: How, seq: number, hops: number): Promise<void> {
  const movers = [...sink.gameOf.keys()].slice(0, hops);
  const arrived = sink.waitAll(movers.length);
  for (const id of movers) {
    const gameId = sink.gameOf.get(id)!;
    const result = cluster.games[gameId - 1]!.world.call(id, 'hop', [3 - gameId, how.how, seq]);
    if (!result.ok) throw new Error(`hop ${seq} of ${id} on game ${gameId}: ${result.message}`);
    await new Promise((resolve) => setTimeout(resolve, PACE_MS));
  }
  await arrived;
}

export async function runHow(how: How, log: (line: string) => void, movers = MOVERS, rounds = ROUNDS): Promise<BenchRow> {
  const sink = createSink();
  const cluster = await start(sink, movers, how.dispatchers ?? 1);
  try {
    let seq = 0;
    await round(cluster, sink, how, ++seq); // warm-up: every code path once, not counted
    sink.latencies.length = 0;
    const bench = new Bench({ name: how.impl, iterations: rounds, time: 0, warmup: false, retainSamples: true, throws: true });
    bench.add(how.impl, () => round(cluster, sink, how, ++seq));
    await bench.run();
    sink.latencies.length = 0;
    sink.windows.length = 0;
    await paced(cluster, sink, how, ++seq, Math.min(PACED_HOPS, movers));
    const result = bench.tasks[0]!.result;
    if (result.state !== 'completed') throw new Error(`${how.impl} did not complete: ${result.state}`);
    const roundMs = result.latency.p50;
    const row: BenchRow = {
      impl: how.impl,
      baseline: how.baseline,
      movers,
      dispatchers: how.dispatchers ?? 1,
      msPerTick: roundMs,
      meanMs: result.latency.mean,
      p95Ms: quantile(result.latency.samples ?? [], 0.95),
      samples: result.latency.samplesCount,
      migrationsPerSec: Math.round((movers / roundMs) * 1000),
      p50Ms: quantile(sink.windows, 0.5),
      p99Ms: quantile(sink.windows, 0.99),
      requestP50Ms: quantile(sink.latencies, 0.5),
      requestP99Ms: quantile(sink.latencies, 0.99),
      tickMs: 1000 / TICK_HZ,
    };
    const ms = (v: unknown) => (v as number).toFixed(1);
    log(`${how.impl}: ${row.migrationsPerSec} moves/s in rounds of ${movers}; at ${1000 / PACE_MS}/s unreachable p50 ${ms(row.p50Ms)} ms, p99 ${ms(row.p99Ms)} ms; from the request p50 ${ms(row.requestP50Ms)} ms, p99 ${ms(row.requestP99Ms)} ms (tick ${row.tickMs} ms, ${sink.latencies.length} hops)`);
    return row;
  } finally {
    await cluster.stop();
  }
}

/**
 * Migration between two games (SPEC.md "Migration"): MOVERS persistent entities (attributes, a timer, a
 * position) move to the other game at once, ROUNDS times; the row's time is one round (median), and
 * migrationsPerSec is MOVERS over it. Then PACED_HOPS movers hop one at a time, 250 a second: p50Ms /
 * p99Ms are how long each was unreachable, from leaving the source (packed, or destroyed for the
 * baseline) to the call queued behind it arriving on the target; requestP50Ms / requestP99Ms count from
 * game code's request instead, which first waits for the source's next commit (up to a tick). The baseline moves them by destroying them (final save) and loading them from storage
 * on the other game, with in-memory storage, so the baseline pays no disk at all. Every role runs in
 * this one process, on one core: the games and the dispatcher of a deployment have a core each.
 */
export const migrationSuite: BenchSuite = {
  name: 'migration',
  description: `${MOVERS} entities move between 2 games per round (1 dispatcher, and 2 for the order barrier's cost; in-process roles, ${TICK_HZ} Hz ticks): migration vs destroy-and-reload-from-storage`,
  workloadColumns: ['movers'],
  async run(log) {
    const rows: BenchRow[] = [];
    for (const how of HOWS) rows.push(await runHow(how, log));
    return { suite: 'migration', rows };
  },
};
