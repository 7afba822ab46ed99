import { join } from 'node:path';
import type { DeploymentConfig } from '../config/index.ts';
import { buildBrowserClient } from './build-client.ts';
import { clearRunState, isOurProcess, readRunState, START_ORDER, writeRunState, type ProcessRecord, type Role } from './run-state.ts';
import { keepCode } from './probation.ts';
import { spawnRole, type SpawnedRole } from './spawn-role.ts';
import { stopProcesses } from './stop-processes.ts';
import { waitForDispatchers } from './wait-for-dispatchers.ts';

/** How long `start --host` waits for dispatchers on other hosts (and its gates for the whole deployment). */
export const DEFAULT_HOST_WAIT_MS = 120_000;

/** The entries this start runs: all of them, or those of one host (`--host NAME`). */
function entriesOf(config: DeploymentConfig, role: Role, host: string | undefined): number[] {
  const list = role === 'dispatcher' ? config.dispatchers : role === 'game' ? config.games : config.gates;
  return list.filter((p) => host === undefined || p.hostName === host).map((p) => p.id);
}

export interface LaunchArgs {
  config: DeploymentConfig;
  configPath: string;
  dir: string;
  foreground: boolean;
  say: (line: string) => void;
  prefixer: (name: string) => (chunk: Buffer) => void;
  /** Start only this host's processes, in its own run file. */
  host?: string;
  /** With `host`: how long to wait for the dispatchers elsewhere; default DEFAULT_HOST_WAIT_MS. */
  waitMs?: number;
}

/** A previous run that is still alive refuses the start; a dead one's run file is cleared. */
async function refuseIfRunning(args: LaunchArgs): Promise<boolean> {
  const { config, dir, host } = args;
  const previous = readRunState(config.baseDir, host);
  if (!previous) return false;
  if ((await Promise.all(previous.processes.map(isOurProcess))).some(Boolean)) {
    const flag = host === undefined ? '' : ` --host ${host}`;
    process.stderr.write(
      `tsworld start: deployment '${previous.deployment}'${host === undefined ? '' : ` (host ${host})`} is already running in ${config.baseDir} ` +
        `(see 'tsworld status ${dir}${flag}'; stop it with 'tsworld stop ${dir}${flag}')\n`,
    );
    return true;
  }
  clearRunState(config.baseDir, host);
  return false;
}

/**
 * Starts a deployment's processes: dispatchers, then games, then gates, each group only once the previous
 * one is ready. With a host, only that host's, after the dispatchers elsewhere answer. A failure stops
 * whatever was started and reports why (null), so no half-deployment is left.
 */
export async function launchDeployment(args: LaunchArgs): Promise<{ started: ProcessRecord[]; children: SpawnedRole[] } | null> {
  const { config, configPath, foreground, say, prefixer, host } = args;
  const deploymentDir = config.baseDir;
  if (await refuseIfRunning(args)) return null;

  const started: ProcessRecord[] = [];
  const children: SpawnedRole[] = [];
  const record = (): void => writeRunState(deploymentDir, { deployment: config.deployment, configPath, ...(host === undefined ? {} : { host }), processes: started });
  say(`starting deployment '${config.deployment}'${host === undefined ? '' : ` on host ${host}`} from ${configPath}`);
  // A gate that serves a page also serves the client SDK next to it, built from this checkout's sources.
  const gates = config.gates.filter((g) => host === undefined || g.hostName === host);
  for (const dirToServe of new Set(gates.map((g) => g.staticDir).filter((d): d is string => d !== undefined))) {
    await buildBrowserClient(join(dirToServe, 'tsworld-client.js'));
    say(`  built ${join(dirToServe, 'tsworld-client.js')}`);
  }

  try {
    for (const role of START_ORDER) {
      const ids = entriesOf(config, role, host);
      if (ids.length === 0) continue;
      if (role !== 'dispatcher' && host !== undefined) await awaitRemoteDispatchers(args, role);
      const spawned = await startGroup(args, role, ids, started, children);
      record();
      say(`  ${role}${ids.length > 1 ? 's' : ''} ready: ${spawned.map((r) => `${r.role}${r.id} (pid ${r.pid})`).join(', ')}`);
    }
    if (started.some((p) => p.role === 'game')) {
      // What the games run now, kept for a reload that has to roll back: by then the disk holds new code.
      const code = await keepCode(config, say);
      for (const p of started) if (p.role === 'game' && code) p.code = code;
    }
    record();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    say('stopping what was started');
    await stopProcesses(started, 5_000, say);
    clearRunState(deploymentDir, host);
    return null;
  }
  if (started.length === 0) say(`  host ${host} runs no process of this deployment`);
  return { started, children };
}

/** Once per start, before its first game or gate: the dispatchers that run on other hosts. */
async function awaitRemoteDispatchers(args: LaunchArgs, role: Role): Promise<void> {
  const { config, host, say } = args;
  const ownFirst = role === 'game' || entriesOf(config, 'game', host).length === 0;
  if (!ownFirst) return;
  const remote = config.dispatchers.filter((d) => d.hostName !== host);
  await waitForDispatchers(remote, { timeoutMs: args.waitMs ?? DEFAULT_HOST_WAIT_MS, say });
}

/**
 * Spawns one role group and waits for all of it. allSettled: when one process fails, its siblings are
 * waited for too, so every process that did start is known and stopped, and none is left unsupervised.
 */
async function startGroup(args: LaunchArgs, role: Role, ids: number[], started: ProcessRecord[], children: SpawnedRole[]): Promise<ProcessRecord[]> {
  const { config, configPath, foreground, prefixer, host, say } = args;
  // A gate serves once every game and gate of the deployment has joined the dispatchers: on one host
  // of several, that waits for the other hosts to start theirs.
  const hostWait = host !== undefined && role === 'gate';
  if (hostWait) say(`  the gates serve once every game and gate of the deployment, on every host, has joined the dispatchers`);
  const settled = await Promise.allSettled(
    ids.map(async (id) => {
      const logFile = join(config.logging.dir, `${role}${id}.log`);
      const child = await spawnRole({
        role,
        id,
        configPath,
        logFile,
        foreground,
        readyTimeoutMs: hostWait ? Math.max(30_000, args.waitMs ?? DEFAULT_HOST_WAIT_MS) : 30_000,
        onOutput: foreground ? prefixer(`${role}${id}`) : undefined,
      });
      const record: ProcessRecord = {
        role,
        id,
        pid: child.child.pid!,
        logFile,
        startedAt: new Date().toISOString(),
        ...(child.ready.url ? { url: child.ready.url } : {}),
        ...(child.ready.listen ? { listen: child.ready.listen } : {}),
      };
      started.push(record);
      children.push(child);
      return record;
    }),
  );
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<ProcessRecord>).value);
}
