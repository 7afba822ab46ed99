import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePorts } from '../../src/testing/free-port.ts';
import { bucketCount, bucketDelta, bucketQuantile, parseBuckets, type Buckets } from './histogram.ts';
import { AREA_ENV } from './peer-game.ts';
import type { PeerSystem, RunningSystem, SystemName, TickStats } from './peer-system.ts';
import { SYNC_HZ, TICK_HZ, areaSide } from './peers-workload.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'src', 'cli', 'bin.mjs');
const TICK = 'tsworld_tick_duration_seconds';

/** Every bot connects from 127.0.0.1: the per-address admission bounds must let the whole fleet in. */
const ADMISSION = { maxConnections: 100_000, maxConnectionsPerIp: 100_000, connectsPerIpPerSec: 100_000, connectBurstPerIp: 100_000 };

export interface TsworldDeploymentOptions {
  /** The game module (a default-exported defineGame). */
  entry: string;
  /** Extra environment for the roles (they inherit the CLI's). */
  env?: Record<string, string>;
  gateDefaults?: Record<string, unknown>;
  /** Game processes (game1..gameN), 1 by default; new clients' boot entities go round-robin over them. */
  games?: number;
}

export interface TsworldDeployment {
  readonly dir: string;
  readonly wsUrls: readonly string[];
  readonly pids: Readonly<Record<string, number>>;
  readonly metricsPorts: Readonly<Record<string, number>>;
  stop(): Promise<void>;
}

/** A real deployment (1 dispatcher, 1 game or more, 1 gate on loopback) started with `tsworld start`, as an operator would. */
export async function startTsworld(opts: TsworldDeploymentOptions): Promise<TsworldDeployment> {
  const dir = mkdtempSync(join(tmpdir(), 'tsworld-peers-'));
  const games = opts.games ?? 1;
  // One batch, so no two listeners are handed the same port.
  const [dispatcher1, gate1, gatePort, dispatcherPort, ...gamePorts] = await freePorts(4 + games);
  const gameMetrics = Object.fromEntries(gamePorts.map((port, i) => [`game${i + 1}`, port]));
  const metricsPorts: Record<string, number> = { dispatcher1, ...gameMetrics, gate1 };
  const config = {
    deployment: 'peers',
    entry: opts.entry,
    dispatchers: [{ id: 1, port: dispatcherPort, metricsPort: metricsPorts.dispatcher1 }],
    gameDefaults: { tickHz: TICK_HZ, positionSyncHz: SYNC_HZ, saveIntervalSec: 3600 },
    games: gamePorts.map((metricsPort, i) => ({ id: i + 1, metricsPort })),
    gateDefaults: { maxPayload: 65536, heartbeatTimeoutMs: 60_000, maxMessagesPerSecond: 1000, ...ADMISSION, ...opts.gateDefaults },
    gates: [{ id: 1, port: gatePort, metricsPort: metricsPorts.gate1 }],
    storage: { kind: 'lmdb', path: join(dir, 'data') },
    hotswap: { snapshotDir: join(dir, 'snapshots') },
    logging: { level: 'warn', dir: join(dir, 'logs') },
  };
  writeFileSync(join(dir, 'tsworld.config.json'), JSON.stringify(config, null, 2));
  const env = { ...process.env, ...opts.env };
  const cli = (...args: string[]) => run(process.execPath, [bin, ...args], { cwd: root, env, timeout: 120_000 });
  const stop = async () => {
    try {
      await cli('stop', dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    await cli('start', dir);
    // status exits 1 while a process is down; the JSON is printed all the same.
    const { stdout } = await cli('status', dir, '--json').catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
    const status = JSON.parse(stdout) as { processes: { role: string; id: number; pid: number }[] };
    const pids = Object.fromEntries(status.processes.map((p) => [`${p.role}${p.id}`, p.pid]));
    return { dir, wsUrls: [`ws://127.0.0.1:${gatePort}/ws`], pids, metricsPorts, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

async function scrapeTicks(port: number): Promise<Buckets> {
  return parseBuckets(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), TICK);
}

/** The game's tick from its own metrics: the histogram's buckets between two scrapes, interpolated. */
export async function gameTickWindow(port: number): Promise<() => Promise<TickStats>> {
  const before = await scrapeTicks(port);
  const text0 = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sum0 = sampleValue(text0, `${TICK}_sum`);
  return async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const delta = bucketDelta(parseBuckets(text, TICK), before);
    const count = bucketCount(delta);
    return {
      p50Ms: bucketQuantile(delta, 0.5) * 1000,
      p95Ms: bucketQuantile(delta, 0.95) * 1000,
      p99Ms: bucketQuantile(delta, 0.99) * 1000,
      meanMs: ((sampleValue(text, `${TICK}_sum`) - sum0) / Math.max(1, count)) * 1000,
      samples: count,
    };
  };
}

function sampleValue(text: string, series: string): number {
  const m = new RegExp(`^${series}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

/** tsworld with everyone in view, or with an AOI sized for ~30 in view. */
export function tsworldSystem(name: Extract<SystemName, 'tsworld-all' | 'tsworld-aoi'>): PeerSystem {
  const entry = join(import.meta.dirname, name === 'tsworld-aoi' ? 'peer-game-aoi.ts' : 'peer-game-all.ts');
  return {
    name,
    client: 'tsworld',
    async start(n): Promise<RunningSystem> {
      const d = await startTsworld({ entry, env: { [AREA_ENV]: String(areaSide(n)) } });
      return {
        urls: d.wsUrls,
        pids: d.pids,
        tickWindow: () => gameTickWindow(d.metricsPorts.game1),
        stop: d.stop,
      };
    },
  };
}
