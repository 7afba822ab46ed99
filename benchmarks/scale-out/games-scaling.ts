/**
 * Scale-out on one machine: the same bot load on the mmo example with 1 game and with 2 games, in the
 * same run, alternating (1, 2, 1, 2, …) so a neighbour's load drifts over both alike. Each run is a real
 * deployment (`tsworld start`: 1 dispatcher, N games, 2 gates, loopback), bots in this process.
 *
 *   npx tsx benchmarks/scale-out/games-scaling.ts [--bots 200] [--seconds 10] [--rounds 3] [--rpc-hz 10] [--move-hz 5] [--json out.json]
 *
 * Reports per run and as medians per game count: echo calls answered per second,
 * their round trip (median, p99), the games' mean tick and the CPU each role used, and the 2-game/1-game
 * ratios. On a 2-core machine the bots, the dispatcher and the gates share the cores with the games,
 * so the ratio shows what a second game buys here, not on hosts of its own (README, "Scaling out").
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { defaultChannels, quantile, runBots } from '../../src/testing/bots/index.ts';
import { freePorts } from '../../src/testing/free-port.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'src', 'cli', 'bin.mjs');

const { values } = parseArgs({
  options: {
    bots: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    'rpc-hz': { type: 'string', default: '10' },
    'move-hz': { type: 'string', default: '5' },
    /** Which game counts to run, in turn; `2` alone measures per-role costs at one load. */
    games: { type: 'string', default: '1,2' },
    json: { type: 'string' },
  },
});
const GAME_COUNTS = values.games.split(',').map(Number);
const BOTS = Number(values.bots);
const SECONDS = Number(values.seconds);
const WARMUP_MS = 2_000;

interface Proc {
  name: string;
  metricsPort: number;
}

async function writeDeployment(games: number): Promise<{ dir: string; urls: string[]; procs: Proc[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'tsworld-scaling-'));
  const example = JSON.parse(readFileSync(join(root, 'examples', 'mmo', 'tsworld.config.json'), 'utf8')) as Record<string, unknown>;
  const procs: Proc[] = [];
  // One batch, so no two listeners are handed the same port.
  const ports = await freePorts(2 * (games + 3));
  const withMetrics = async (name: string, entry: Record<string, unknown>) => {
    const metricsPort = ports.pop()!;
    procs.push({ name, metricsPort });
    return { ...entry, metricsPort };
  };
  const gatePorts = [ports.pop()!, ports.pop()!];
  const config = {
    deployment: `scaling-${games}`,
    entry: join(root, 'examples', 'mmo', 'game', 'main.ts'),
    dispatchers: [await withMetrics('dispatcher1', { id: 1, port: ports.pop()! })],
    gameDefaults: example.gameDefaults,
    games: await Promise.all(Array.from({ length: games }, (_, i) => withMetrics(`game${i + 1}`, { id: i + 1 }))),
    gateDefaults: example.gateDefaults,
    gates: await Promise.all(gatePorts.map((port, i) => withMetrics(`gate${i + 1}`, { id: i + 1, port }))),
    storage: { kind: 'lmdb', path: join(dir, 'data') },
    hotswap: { snapshotDir: join(dir, 'snapshots') },
    logging: { level: 'warn', dir: join(dir, 'logs') },
  };
  writeFileSync(join(dir, 'tsworld.config.json'), JSON.stringify(config, null, 2));
  return { dir, urls: gatePorts.map((p) => `ws://127.0.0.1:${p}/ws`), procs };
}

/** One sample line's value from a process's /metrics (the first series of that name). */
async function scrape(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(tsworld_tick_duration_seconds_(?:sum|count)|tsworld_process_cpu_seconds_total)(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (m && !out.has(m[1]!)) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

interface RunResult {
  games: number;
  callsPerSec: number;
  rttMedianMs: number;
  rttP99Ms: number;
  meanTickMs: number;
  cpu: Record<string, number>;
  problems: number;
}

async function oneRun(games: number, seed: number): Promise<RunResult> {
  const d = await writeDeployment(games);
  try {
    await run(process.execPath, [bin, 'start', d.dir], { cwd: root, timeout: 120_000 });
    // Echo only: a cross-game call needs a second game, so it would measure nothing with one.
    const channels = defaultChannels(Number(values['rpc-hz'])).filter((c) => c.name === 'echo');
    const fleet = await runBots({ url: d.urls, count: BOTS, moveHz: Number(values['move-hz']), channels, seed });
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const t0 = performance.now();
    const sentBefore = answered(fleet.bots);
    const before = await Promise.all(d.procs.map((p) => scrape(p.metricsPort)));
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const after = await Promise.all(d.procs.map((p) => scrape(p.metricsPort)));
    const windowSec = (performance.now() - t0) / 1000;
    const answeredInWindow = answered(fleet.bots) - sentBefore;
    const rtts = fleet.bots.flatMap((b) => [...b.channels.values()].flatMap((c) => c.replies.map((r) => r.rttMs)));
    await fleet.drain(30_000).catch((err: Error) => console.error(err.message));
    const report = fleet.report();
    await fleet.close();
    const delta = (i: number, key: string): number => (after[i]!.get(key) ?? 0) - (before[i]!.get(key) ?? 0);
    const gameIdx = d.procs.map((p, i) => [p, i] as const).filter(([p]) => p.name.startsWith('game'));
    const tickSum = gameIdx.reduce((n, [, i]) => n + delta(i, 'tsworld_tick_duration_seconds_sum'), 0);
    const tickCount = gameIdx.reduce((n, [, i]) => n + delta(i, 'tsworld_tick_duration_seconds_count'), 0);
    const cpu: Record<string, number> = {};
    d.procs.forEach((p, i) => {
      const role = p.name.replace(/\d+$/, '');
      cpu[role] = (cpu[role] ?? 0) + delta(i, 'tsworld_process_cpu_seconds_total') / windowSec;
    });
    return {
      games,
      callsPerSec: answeredInWindow / windowSec,
      rttMedianMs: quantile(rtts, 0.5),
      rttP99Ms: quantile(rtts, 0.99),
      meanTickMs: (tickSum / Math.max(1, tickCount)) * 1000,
      cpu,
      problems: report.problems.length,
    };
  } finally {
    await run(process.execPath, [bin, 'stop', d.dir], { cwd: root, timeout: 60_000 }).catch(() => undefined);
    rmSync(d.dir, { recursive: true, force: true });
  }
}

function answered(bots: Awaited<ReturnType<typeof runBots>>['bots']): number {
  return bots.reduce((n, b) => n + [...b.channels.values()].reduce((m, c) => m + c.track.answered, 0), 0);
}

const fmt = (r: RunResult): string =>
  `${r.games} game(s): ${r.callsPerSec.toFixed(0)} calls/s, rtt median ${r.rttMedianMs.toFixed(1)} ms p99 ${r.rttP99Ms.toFixed(1)} ms, ` +
  `mean tick ${r.meanTickMs.toFixed(2)} ms, cpu ${Object.entries(r.cpu).map(([k, v]) => `${k} ${(v * 100).toFixed(0)}%`).join(' ')}` +
  (r.problems > 0 ? `, ${r.problems} problems` : '');

const median = (xs: number[]): number => quantile(xs, 0.5);

const results: RunResult[] = [];
console.log(`${BOTS} bots (move ${values['move-hz']} Hz, echo calls ${values['rpc-hz']} Hz), ${SECONDS} s measured per run`);
for (let round = 0; round < Number(values.rounds); round++) {
  for (const games of GAME_COUNTS) {
    const r = await oneRun(games, 7 + round);
    results.push(r);
    console.log(`  round ${round + 1}: ${fmt(r)}`);
  }
}
const summary = GAME_COUNTS.map((games) => {
  const rs = results.filter((r) => r.games === games);
  return {
    games,
    callsPerSec: median(rs.map((r) => r.callsPerSec)),
    rttMedianMs: median(rs.map((r) => r.rttMedianMs)),
    rttP99Ms: median(rs.map((r) => r.rttP99Ms)),
    meanTickMs: median(rs.map((r) => r.meanTickMs)),
    gameCpu: median(rs.map((r) => r.cpu.game ?? 0)),
    dispatcherCpu: median(rs.map((r) => r.cpu.dispatcher ?? 0)),
    gateCpu: median(rs.map((r) => r.cpu.gate ?? 0)),
  };
});
console.log('\nmedians over the rounds:');
for (const s of summary) {
  console.log(
    `  ${s.games} game(s): ${s.callsPerSec.toFixed(0)} calls/s, rtt median ${s.rttMedianMs.toFixed(1)} ms, p99 ${s.rttP99Ms.toFixed(1)} ms, ` +
      `mean tick ${s.meanTickMs.toFixed(2)} ms, cpu (share of a core, all processes of the role) games ${(s.gameCpu * 100).toFixed(0)}% ` +
      `dispatcher ${(s.dispatcherCpu * 100).toFixed(0)}% gates ${(s.gateCpu * 100).toFixed(0)}%`,
  );
}
const one = summary.find((s) => s.games === 1);
const two = summary.find((s) => s.games === 2);
if (one && two) {
  console.log(
    `  2 games / 1 game: calls/s ×${(two.callsPerSec / one.callsPerSec).toFixed(2)}, rtt median ×${(two.rttMedianMs / one.rttMedianMs).toFixed(2)}, ` +
      `p99 ×${(two.rttP99Ms / one.rttP99Ms).toFixed(2)}, mean tick ×${(two.meanTickMs / one.meanTickMs).toFixed(2)}`,
  );
}
if (values.json) writeFileSync(values.json, `${JSON.stringify({ bots: BOTS, seconds: SECONDS, runs: results, summary }, null, 2)}\n`);
