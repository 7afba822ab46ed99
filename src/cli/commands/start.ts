import { loadConfig } from '../../config/index.ts';
import { resolveConfigPath } from '../config-path.ts';
import { clearRunState, readRunState, writeRunState } from '../run-state.ts';
import { spawnSupervisor } from '../supervisor/spawn-supervisor.ts';
import { stopProcesses } from '../stop-processes.ts';
import { createLinePrefixer } from '../line-prefixer.ts';
import { withDeploymentLock } from '../deployment-lock.ts';
import { launchDeployment } from '../launch-deployment.ts';
import { EXIT_FROZEN } from '../../roles/shared/role-process.ts';
import { watchGameCode } from '../watch-game-code.ts';
import { checkHostFlag } from '../host-flag.ts';
import { spawnRole } from '../spawn-role.ts';
import { supervise, type Supervisor } from '../supervisor/supervise.ts';
import type { DeploymentConfig } from '../../config/index.ts';
import type { ProcessRecord } from '../run-state.ts';
import type { SpawnedRole } from '../spawn-role.ts';

export interface StartOptions {
  foreground: boolean;
  /** Foreground dev mode: edits under the game module's directory are hot swapped in place. */
  watch?: boolean;
  /** Start only this host's processes (a hosts section names it); its own run file and supervisor. */
  host?: string;
  /** With host: how long to wait for the dispatchers on other hosts, in ms. */
  waitMs?: number;
}

/**
 * `tsworld start`: launches the deployment (see launch-deployment.ts) under the deployment lock, then
 * either detaches (as goworld start does) or stays in the foreground, streaming logs until Ctrl-C.
 */
export async function startCommand(dir: string, opts: StartOptions): Promise<number> {
  const configPath = resolveConfigPath(dir);
  const config = loadConfig(configPath);
  checkHostFlag(config, opts.host);
  const { host } = opts;
  const deploymentDir = config.baseDir;
  const say = (line: string): void => void process.stdout.write(`${line}\n`);

  const prefixer = createLinePrefixer(process.stdout);
  const t0 = Date.now();
  const launched = await withDeploymentLock(
    deploymentDir,
    host === undefined ? 'start' : `start --host ${host}`,
    () => launchDeployment({ config, configPath, dir, foreground: opts.foreground, say, prefixer, ...(host === undefined ? {} : { host }), ...(opts.waitMs === undefined ? {} : { waitMs: opts.waitMs }) }),
    { ...(host === undefined ? {} : { host }) },
  );
  if (!launched) return 1;
  const { started, children } = launched;

  const urls = started.filter((p) => p.url).sort((a, b) => a.id - b.id).map((p) => p.url!);
  say(`deployment '${config.deployment}'${host === undefined ? '' : ` on host ${host}`} is up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (const url of urls) say(`  open ${url}`);

  if (!opts.foreground) {
    // Detach: the roles outlive this command, as with goworld start.
    for (const { child } of children) {
      child.disconnect();
      child.unref();
      child.stdout?.destroy();
      child.stderr?.destroy();
    }
    if (config.supervision.enabled) {
      // What restarts a process that dies once this command has gone.
      const state = readRunState(deploymentDir, host);
      if (state) writeRunState(deploymentDir, { ...state, supervisor: spawnSupervisor(config, configPath, host) });
      say(`supervised: a process that dies is restarted (at most ${config.supervision.maxRestarts} times in ${config.supervision.withinSec} s)`);
    }
    const flag = host === undefined ? '' : ` --host ${host}`;
    say(`logs in ${config.logging.dir}; 'tsworld status ${dir}' shows the processes, 'tsworld stop ${dir}${flag}' stops them`);
    return 0;
  }

  return runForeground({ config, configPath, dir, say, prefixer, started, children, watch: opts.watch === true, host });
}

interface Foreground {
  config: DeploymentConfig;
  configPath: string;
  dir: string;
  say: (line: string) => void;
  prefixer: (name: string) => (chunk: Buffer) => void;
  started: ProcessRecord[];
  children: SpawnedRole[];
  watch: boolean;
  host: string | undefined;
}

/** Foreground restarts stay attached to this command, which is then the supervisor. */
function foregroundSupervisor(f: Foreground): Supervisor | undefined {
  if (!f.config.supervision.enabled) return undefined;
  return supervise({
    config: f.config,
    ...(f.host === undefined ? {} : { host: f.host }),
    start: async (record) => {
      const { child, ready } = await spawnRole({
        role: record.role, id: record.id, configPath: f.configPath, logFile: record.logFile, foreground: true, readyTimeoutMs: 60_000,
        onOutput: f.prefixer(`${record.role}${record.id}`), ...(record.code ? { extraArgs: ['--code', record.code] } : {}),
      });
      return { ...record, pid: child.pid!, startedAt: new Date().toISOString(), ...(ready.url ? { url: ready.url } : {}) };
    },
    say: (event, fields) => f.say(`supervisor: ${event} ${JSON.stringify(fields)}`),
  });
}

/** Streams the processes' logs until Ctrl-C, then stops them in order. */
function runForeground(f: Foreground): Promise<number> {
  const { config, dir, say, started, children } = f;
  const deploymentDir = config.baseDir;
  const watcher = f.watch
    ? watchGameCode(config.entry, dir, say, [config.hotswap.snapshotDir, config.logging.dir, deploymentDir + '/.tsworld'])
    : undefined;
  say('press Ctrl-C to stop');
  const supervisor = foregroundSupervisor(f);
  return new Promise<number>((resolvePromise) => {
    let stopping = false;
    const shutdown = (why: string): void => {
      if (stopping) return;
      stopping = true;
      supervisor?.stop();
      say(`\n${why}: stopping gates, games, dispatchers`);
      // A reload may have replaced games since start: the run file has the current pids.
      const current = readRunState(deploymentDir, f.host)?.processes ?? started;
      watcher?.close();
      void stopProcesses(current, 10_000, say).then(() => {
        clearRunState(deploymentDir, f.host);
        say('all processes stopped');
        resolvePromise(0);
      });
    };
    process.once('SIGINT', () => shutdown('Ctrl-C'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    children.forEach(({ child }, i) => {
      const name = `${started[i].role}${started[i].id}`;
      child.once('exit', (code, signal) => {
        if (stopping) return;
        if (code === EXIT_FROZEN) {
          say(`${name} froze for a hot swap; its successor (started by tsworld reload) logs to ${started[i].logFile}`);
          return;
        }
        // Supervised, the process comes back; unsupervised, the deployment goes down with it, as before.
        if (supervisor) say(`${name} exited (${signal ?? `code ${code}`}); the supervisor restarts it`);
        else shutdown(`${name} exited (${signal ?? `code ${code}`})`);
      });
    });
  });
}
