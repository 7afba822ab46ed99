import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awaitRoleMessage, roleMain, type ReadyMessage } from '../../src/cli/spawn-role.ts';
import { freePort, freePorts } from './deployment.ts';

/**
 * Role processes started one by one, not through `tsworld start`: for tests that put something between
 * two of them (a throttled proxy) or start one under other limits (`prlimit`). Each writes its JSON log
 * to `<dir>/logs/<role><id>.log` and reports ready over IPC, as under the CLI.
 */
export interface RoleProcess {
  readonly role: 'dispatcher' | 'game' | 'gate';
  readonly id: number;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly ready: ReadyMessage;
  readonly logFile: string;
  /** Exit code or signal once it exited; null while it runs. */
  exited(): string | null;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it is gone. */
  stop(): Promise<void>;
}

export async function spawnRoleProcess(options: {
  role: RoleProcess['role'];
  id: number;
  configPath: string;
  logDir: string;
  /** Runs the role under a wrapper, e.g. ['prlimit', '--nofile=512:512', '--']. */
  prefix?: readonly string[];
}): Promise<RoleProcess> {
  const { role, id } = options;
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, `${role}${id}.log`);
  const fd = openSync(logFile, 'a');
  const node = [process.execPath, '--enable-source-maps', '--import', import.meta.resolve('tsx'), roleMain(role), '--config', options.configPath, '--id', String(id)];
  const argv = [...(options.prefix ?? []), ...node];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', fd, fd, 'ipc'] });
  closeSync(fd);
  let exit: string | null = null;
  const gone = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    exit = signal ?? `code ${code}`;
    resolve();
  }));
  const ready = await awaitRoleMessage(child, 'ready', 60_000, logFile);
  return {
    role,
    id,
    child,
    pid: child.pid!,
    ready,
    logFile,
    exited: () => exit,
    async stop() {
      if (exit !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** A one-dispatcher, one-game, one-gate config on free loopback ports, written to a temp dir. */
export async function writeSmallDeployment(spec: {
  entry: string;
  gameDefaults?: Record<string, unknown>;
  gateDefaults?: Record<string, unknown>;
  links?: Record<string, number>;
}): Promise<{ dir: string; configPath: string; config: Record<string, unknown> & { dispatchers: { port: number; metricsPort: number }[]; games: { metricsPort: number }[]; gates: { port: number; metricsPort: number }[] }; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'tsworld-roles-'));
  const [dPort, dMetrics, gameMetrics, gatePort, gateMetrics] = await freePorts(5);
  const config = {
    deployment: 'test',
    entry: spec.entry,
    dispatchers: [{ id: 1, port: dPort, metricsPort: dMetrics }],
    gameDefaults: { tickHz: 20, positionSyncHz: 10, saveIntervalSec: 60, ...spec.gameDefaults },
    games: [{ id: 1, metricsPort: gameMetrics }],
    gateDefaults: { heartbeatTimeoutMs: 30000, ...spec.gateDefaults },
    gates: [{ id: 1, port: gatePort, metricsPort: gateMetrics }],
    storage: { kind: 'memory' },
    hotswap: { snapshotDir: join(dir, 'snapshots') },
    logging: { level: 'info', dir: join(dir, 'logs') },
    ...(spec.links ? { links: spec.links } : {}),
  };
  const configPath = join(dir, 'tsworld.config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return { dir, configPath, config, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One Prometheus sample from a /metrics page: the first series whose name and labels match, summed if several. */
export async function scrape(port: number, name: string, labels: Record<string, string> = {}): Promise<number | null> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let found: number | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    found = (found ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return found;
}

/** CPU time (user + system) of a process in seconds, from /proc/<pid>/stat; clock ticks are 100 Hz on Linux. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command: state is [0], utime is field 14 overall ([11] here), stime [12].
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Peak resident set size of a process in bytes (VmHWM in /proc/<pid>/status). */
export function peakRssBytes(pid: number): number {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}
