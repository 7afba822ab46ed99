import type { BenchRow, BenchSuite, SuiteOptions } from '../bench-types.ts';
import { startBotPool } from './bot-pool.ts';
import { colyseusSystem } from './colyseus-system.ts';
import type { PeerSystem } from './peer-system.ts';
import { ECHO_HZ, MOVE_HZ, SYNC_HZ, TICK_HZ, areaSide } from './peers-workload.ts';
import { formatPeersTable } from './peers-table.ts';
import { cpuWindow } from './proc-cpu.ts';
import { quantileOf } from './samples.ts';
import { tsworldSystem } from './tsworld-system.ts';

/*
 * How each figure is taken (a load test: no tinybench, the figures come from the samples of one window):
 * - tick: tsworld's from the game's tsworld_tick_duration_seconds histogram between two scrapes (quantiles
 *   interpolated inside its buckets, as Prometheus does: p99 is as coarse as the 20/35/50/75/100 ms
 *   bounds); Colyseus's from the room, each simulation step plus the patch after it, timed exactly.
 * - echo: round trips timed by the bots, from send to reply, in the bots' processes.
 * - bytes/s per client: WebSocket payload bytes the bots received over the window, per client.
 * - CPU: utime + stime deltas of every server process from /proc over the window, in % of one core;
 *   the bot processes' sum is reported beside it (botCpuPct), never in it.
 */
export interface PeersPlan {
  ns: number[];
  warmupMs: number;
  windowMs: number;
}

export const FULL_PLAN: PeersPlan = { ns: [250, 500, 1000, 1500], warmupMs: 3000, windowMs: 10_000 };
export const QUICK_PLAN: PeersPlan = { ns: [500, 1000], warmupMs: 2000, windowMs: 5000 };

export function peerSystems(): PeerSystem[] {
  return [tsworldSystem('tsworld-all'), tsworldSystem('tsworld-aoi'), colyseusSystem()];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One system at one N: its server starts in processes of its own, the bots connect from child processes,
 * and after the warm-up one window measures the tick, the echo round trips, the bytes each client got
 * and the CPU of every server process (from /proc, bots excluded). Everything is stopped after.
 */
export async function measurePeer(system: PeerSystem, n: number, plan: PeersPlan, seed: number, log: (line: string) => void): Promise<BenchRow> {
  const side = areaSide(n);
  const running = await system.start(n);
  try {
    const pool = await startBotPool(system.client, running, n, { minX: 0, maxX: side, minZ: 0, maxZ: side }, seed);
    try {
      await sleep(plan.warmupMs);
      await pool.mark();
      const endTicks = await running.tickWindow();
      const cpu = cpuWindow(running.pids);
      // Not part of the server's figure: shows when the bots, on the same cores, were the bottleneck.
      const botCpu = cpuWindow(Object.fromEntries(pool.pids.map((pid, i) => [`bots${i + 1}`, pid])));
      await sleep(plan.windowMs);
      const cpuPct = cpu.stop();
      const botCpuPct = Object.values(botCpu.stop()).reduce((a, b) => a + b, 0);
      const ticks = await endTicks();
      const bots = await pool.collect();
      const serverCpuPct = Object.values(cpuPct).reduce((a, b) => a + b, 0);
      const row: BenchRow = {
        system: system.name,
        n,
        impl: system.name,
        baseline: system.name === 'colyseus',
        msPerTick: ticks.p50Ms,
        meanMs: ticks.meanMs,
        p95Ms: ticks.p95Ms,
        samples: ticks.samples,
        tickP50Ms: ticks.p50Ms,
        tickP99Ms: ticks.p99Ms,
        echoP50Ms: quantileOf(bots.rtts, 0.5),
        echoP99Ms: quantileOf(bots.rtts, 0.99),
        echoes: bots.rtts.length,
        bytesPerSecPerClient: bots.bytes / (bots.windowMs / 1000) / Math.max(1, bots.clients),
        serverCpuPct,
        inView: bots.inView / Math.max(1, bots.clients),
        ...Object.fromEntries(Object.entries(cpuPct).map(([name, pct]) => [`cpuPct_${name}`, pct])),
        cpuByProcess: Object.entries(cpuPct).map(([name, pct]) => `${name} ${pct.toFixed(0)}`).join(', '),
        botCpuPct,
        problems: bots.problems.length,
      };
      log(
        `${system.name} N=${n}: tick p50 ${ticks.p50Ms.toFixed(1)} p99 ${ticks.p99Ms.toFixed(1)} ms (${ticks.samples} ticks), ` +
          `echo p50 ${(row.echoP50Ms as number).toFixed(1)} p99 ${(row.echoP99Ms as number).toFixed(1)} ms (${bots.rtts.length}), ` +
          `${Math.round(row.bytesPerSecPerClient as number)} B/s per client, ${(row.inView as number).toFixed(0)} in view, cpu ${row.cpuByProcess} = ${serverCpuPct.toFixed(0)}% (bots ${botCpuPct.toFixed(0)}%)` +
          (bots.problems.length > 0 ? `; ${bots.problems.length} problems, first: ${bots.problems[0]}` : ''),
      );
      return row;
    } finally {
      await pool.stop();
    }
  } finally {
    await running.stop();
  }
}

/** Runs every N for every system, the systems taking turns at each N (their order rotating). */
export async function runPeers(plan: PeersPlan, systems: PeerSystem[], log: (line: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [i, n] of plan.ns.entries()) {
    const order = systems.map((_, k) => systems[(k + i) % systems.length]);
    for (const system of order) rows.push(await measurePeer(system, n, plan, 7 + i, log));
  }
  const rank = (r: BenchRow) => systems.findIndex((s) => s.name === r.system);
  return rows.sort((a, b) => (a.n as number) - (b.n as number) || rank(a) - rank(b));
}

export const peersSuite: BenchSuite = {
  name: 'peers',
  description:
    `issue 13's peer comparison: N bots (child processes) in one space/room, moving at ${MOVE_HZ} Hz, echo at ${ECHO_HZ} Hz; ` +
    `${TICK_HZ} Hz tick, ${SYNC_HZ} Hz position sync; tsworld (real deployment: dispatcher, game, gate) with everyone in view and with AOI (~30 in view), ` +
    `Colyseus (@colyseus/core + Schema, patchRate 50 ms, uWebSockets transport); --quick: N = 500, 1000`,
  workloadColumns: ['n'],
  format: formatPeersTable,
  async run(log, opts?: SuiteOptions) {
    const plan = opts?.quick ? QUICK_PLAN : FULL_PLAN;
    return { suite: 'peers', rows: await runPeers(plan, peerSystems(), log) };
  },
};
