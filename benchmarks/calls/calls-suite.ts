import { join } from 'node:path';
import type { BenchRow, BenchSuite, SuiteOptions } from '../bench-types.ts';
import { startBotPool } from '../peers/bot-pool.ts';
import { AREA_ENV, GAMES_ENV } from '../peers/peer-game.ts';
import { ECHO_HZ, MOVE_HZ, TICK_HZ, areaSide } from '../peers/peers-workload.ts';
import { cpuWindow } from '../peers/proc-cpu.ts';
import { quantileOf } from '../peers/samples.ts';
import { gameTickWindow, startTsworld } from '../peers/tsworld-system.ts';
import { formatCallsTable } from './calls-table.ts';

/*
 * Issue 13's cross-game call goal (p50 ≤ 4 ms at 1000 bots). The peers workload (move at MOVE_HZ, echo at
 * ECHO_HZ, AOI) on a real deployment of 1 dispatcher, GAMES games and 1 gate, bots in child processes; each
 * bot also calls crossCall at ECHO_HZ, which its player forwards to the Beacon of the other game, whose
 * answer comes back through the player: client → gate → dispatcher → game A → dispatcher → game B →
 * dispatcher → game A → dispatcher → gate → client. The baseline is the same run's echo (client → game A
 * → client): the ratio shows what the two game-to-game legs add.
 */
const GAMES = 2;
const ENTRY = join(import.meta.dirname, '..', 'peers', 'peer-game-aoi.ts');

export interface CallsPlan {
  ns: number[];
  warmupMs: number;
  windowMs: number;
}

export const CALLS_FULL_PLAN: CallsPlan = { ns: [250, 1000, 1500], warmupMs: 3000, windowMs: 10_000 };
export const CALLS_QUICK_PLAN: CallsPlan = { ns: [1000], warmupMs: 2000, windowMs: 5000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One N: a fresh deployment, the bot pool, one window; an echo row (the baseline) and a cross-game row. */
export async function measureCalls(n: number, plan: CallsPlan, seed: number, log: (line: string) => void): Promise<BenchRow[]> {
  // Each game's Arena holds half the players: its square is sized for them, so ~30 are in view as in peers.
  const side = areaSide(Math.ceil(n / GAMES));
  const d = await startTsworld({ entry: ENTRY, games: GAMES, env: { [AREA_ENV]: String(side), [GAMES_ENV]: String(GAMES) } });
  try {
    const pool = await startBotPool('tsworld', { urls: d.wsUrls }, n, { minX: 0, maxX: side, minZ: 0, maxZ: side }, seed, { crossCalls: true });
    try {
      await sleep(plan.warmupMs);
      await pool.mark();
      const gameIds = Array.from({ length: GAMES }, (_, i) => `game${i + 1}`);
      const endTicks = await Promise.all(gameIds.map((g) => gameTickWindow(d.metricsPorts[g])));
      const cpu = cpuWindow(d.pids);
      // Not part of the server's figure: shows when the bots, on the same cores, were the bottleneck.
      const botCpu = cpuWindow(Object.fromEntries(pool.pids.map((pid, i) => [`bots${i + 1}`, pid])));
      await sleep(plan.windowMs);
      const cpuPct = cpu.stop();
      const botCpuPct = Object.values(botCpu.stop()).reduce((a, b) => a + b, 0);
      const ticks = await Promise.all(endTicks.map((end) => end()));
      const bots = await pool.collect();
      const serverCpuPct = Object.values(cpuPct).reduce((a, b) => a + b, 0);
      const common = {
        system: `tsworld-${GAMES}games`,
        n,
        // The slower game's: a call is as late as the busiest game it visits.
        tickP99Ms: Math.max(...ticks.map((t) => t.p99Ms)),
        serverCpuPct,
        botCpuPct,
        cpuByProcess: Object.entries(cpuPct).map(([name, pct]) => `${name} ${pct.toFixed(0)}`).join(', '),
        problems: bots.problems.length,
      };
      const row = (call: 'echo' | 'cross', rtts: number[]): BenchRow => {
        const p50Ms = quantileOf(rtts, 0.5);
        return {
          ...common,
          call,
          impl: call === 'echo' ? 'echo (same game)' : 'cross-game call',
          baseline: call === 'echo',
          // The generic table's "median" column is the round trip's p50 here.
          msPerTick: p50Ms,
          meanMs: rtts.reduce((a, b) => a + b, 0) / Math.max(1, rtts.length),
          p95Ms: quantileOf(rtts, 0.95),
          samples: rtts.length,
          p50Ms,
          p99Ms: quantileOf(rtts, 0.99),
        };
      };
      const rows = [row('echo', bots.rtts), row('cross', bots.crossRtts)];
      const p = (rtts: number[], q: number) => quantileOf(rtts, q).toFixed(1);
      log(
        `N=${n}: echo p50 ${p(bots.rtts, 0.5)} p99 ${p(bots.rtts, 0.99)} ms (${bots.rtts.length}), ` +
          `cross-game p50 ${p(bots.crossRtts, 0.5)} p99 ${p(bots.crossRtts, 0.99)} ms (${bots.crossRtts.length}), ` +
          `game tick p99 ${ticks.map((t) => t.p99Ms.toFixed(1)).join(' / ')} ms, cpu ${common.cpuByProcess} = ${serverCpuPct.toFixed(0)}% (bots ${botCpuPct.toFixed(0)}%)` +
          (bots.problems.length > 0 ? `; ${bots.problems.length} problems, first: ${bots.problems[0]}` : ''),
      );
      return rows;
    } finally {
      await pool.stop();
    }
  } finally {
    await d.stop();
  }
}

export async function runCalls(plan: CallsPlan, log: (line: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [i, n] of plan.ns.entries()) rows.push(...(await measureCalls(n, plan, 11 + i, log)));
  return rows;
}

export const callsSuite: BenchSuite = {
  name: 'calls',
  description:
    `issue 13's cross-game call: the peers workload with AOI (move ${MOVE_HZ} Hz, ${TICK_HZ} Hz tick) on ${GAMES} games behind 1 dispatcher and 1 gate, ` +
    `each bot calling echo and a cross-game call (player → the other game's beacon → player) at ${ECHO_HZ} Hz each; ` +
    `the baseline is the same run's echo; --quick: N = 1000`,
  workloadColumns: ['n'],
  format: formatCallsTable,
  async run(log, opts?: SuiteOptions) {
    return { suite: 'calls', rows: await runCalls(opts?.quick ? CALLS_QUICK_PLAN : CALLS_FULL_PLAN, log) };
  },
};
