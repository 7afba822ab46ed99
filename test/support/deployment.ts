import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort, freePorts } from '../../src/testing/free-port.ts';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const repoRoot = resolve(import.meta.dirname, '..', '..');
const bin = join(repoRoot, 'src', 'cli', 'bin.mjs');

/**
 * Gate admission for a bot swarm: every bot connects from 127.0.0.1, which the per-address defaults
 * (made for the internet) would refuse after 50. Tests of admission itself keep the defaults.
 */
export const BOT_SWARM_ADMISSION = { maxConnectionsPerIp: 10_000, connectsPerIpPerSec: 10_000, connectBurstPerIp: 10_000 } as const;

export { freePort, freePorts };

export interface DeploymentSpec {
  entry: string;
  /** Dispatchers (entities shard over them by id, as in GoWorld); 1 by default. */
  dispatchers?: number;
  games?: number;
  gates?: number;
  gateDefaults?: Record<string, unknown>;
  gameDefaults?: Record<string, unknown>;
  staticDir?: string;
  /** Overrides of the hotswap section (queue bounds). */
  hotswap?: { freezeQueueMaxPackets?: number; freezeQueueMaxMs?: number; probationMs?: number; probationMaxErrors?: number };
  /** Give every process a metrics port (free, loopback). */
  metrics?: boolean;
  /** Top-level config sections written as given (e.g. `liveness`). */
  sections?: Record<string, unknown>;
}

export interface TestDeployment {
  dir: string;
  /** The config as written (ports included). */
  config: { games: { id: number; metricsPort?: number }[]; gates: { id: number; metricsPort?: number }[] };
  gateUrls: string[];
  /** ws:// URLs of the gates, in gate id order. */
  wsUrls: string[];
  cli(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  status(): Promise<{ processes: { role: string; id: number; pid: number; alive: boolean; restarts: number; url?: string }[] }>;
  stop(): Promise<void>;
}

/** Runs the real CLI: `tsworld <args>` in a child process, exactly as an operator would. */
export async function tsworld(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [bin, ...args], { cwd: repoRoot, timeout: 90_000 });
}

/**
 * Writes a deployment (config on free loopback ports, data in a temp dir) and starts it with
 * `tsworld start`. The caller must `stop()` it; stop also removes the temp dir.
 */
export async function startDeployment(spec: DeploymentSpec): Promise<TestDeployment> {
  // freePort() hands out a port and releases it; a parallel test can take it before our process binds.
  // `tsworld start` then fails cleanly (every sibling stopped), and fresh ports are tried.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDeploymentOnce(spec);
    } catch (err) {
      const text = `${(err as Error).message} ${(err as { stderr?: string }).stderr ?? ''}`;
      if (attempt >= 3 || !/EADDRINUSE|cannot listen|cannot serve|address in use/i.test(text)) throw err;
    }
  }
}

async function startDeploymentOnce(spec: DeploymentSpec): Promise<TestDeployment> {
  const dir = mkdtempSync(join(tmpdir(), 'tsworld-test-'));
  const games = spec.games ?? 2;
  const gates = spec.gates ?? 2;
  const dispatchers = spec.dispatchers ?? 1;
  // One batch, so no two listeners are handed the same port.
  const ports = await freePorts((dispatchers + gates) * (spec.metrics ? 2 : 1) + (spec.metrics ? games : 0));
  const port = () => ports.pop()!;
  const metricsPort = () => (spec.metrics ? { metricsPort: port() } : {});
  const config = {
    deployment: 'test',
    entry: spec.entry,
    dispatchers: Array.from({ length: dispatchers }, (_, i) => ({ id: i + 1, port: port(), ...metricsPort() })),
    gameDefaults: { tickHz: 20, positionSyncHz: 10, saveIntervalSec: 60, ...spec.gameDefaults },
    games: Array.from({ length: games }, (_, i) => ({ id: i + 1, ...metricsPort() })),
    gateDefaults: { maxPayload: 65536, heartbeatTimeoutMs: 30000, maxMessagesPerSecond: 200, ...spec.gateDefaults },
    gates: Array.from({ length: gates }, (_, i) => ({
      id: i + 1,
      port: port(),
      ...metricsPort(),
      ...(spec.staticDir ? { staticDir: spec.staticDir } : {}),
    })),
    storage: { kind: 'lmdb', path: join(dir, 'data') },
    // A short probation keeps reload tests quick; the probation tests set their own.
    hotswap: { freezeQueueMaxPackets: 100000, freezeQueueMaxMs: 10000, probationMs: 300, ...spec.hotswap, snapshotDir: join(dir, 'snapshots') },
    logging: { level: 'info', dir: join(dir, 'logs') },
    ...spec.sections,
  };
  writeFileSync(join(dir, 'tsworld.config.json'), JSON.stringify(config, null, 2));
  try {
    await tsworld('start', dir);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const deployment: TestDeployment = {
    dir,
    config,
    gateUrls: [],
    wsUrls: [],
    cli: (...args) => tsworld(...args),
    async status() {
      // status exits 1 while a process is down; the JSON is printed all the same.
      const { stdout } = await tsworld('status', dir, '--json').catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
      return JSON.parse(stdout);
    },
    async stop() {
      try {
        await tsworld('stop', dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  const status = await deployment.status();
  const urls = status.processes.filter((p) => p.role === 'gate').sort((a, b) => a.id - b.id).map((p) => p.url!);
  deployment.gateUrls.push(...urls);
  deployment.wsUrls.push(...urls.map((u) => `${u.replace(/^http/, 'ws')}ws`));
  return deployment;
}
