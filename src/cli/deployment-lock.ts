import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TsworldError } from '../core/errors.ts';
import { dirname, resolve } from 'node:path';
import { resolveConfigPath } from './config-path.ts';
import { clearRunState, readAllRunStates, readRunState, runDir, type RunState } from './run-state.ts';
import { stopSupervisor } from './stop-processes.ts';

/**
 * One CLI command at a time per deployment: two reloads, or a stop during a reload, would otherwise
 * race over the same processes and the run file. The lock file holds the owner's pid, so a lock left
 * by a command that died is taken over instead of blocking forever. A command finding the lock held
 * waits up to `waitMs` (the supervisor holds it for the few seconds a restart takes); the supervisor
 * itself never waits (`waitMs: 0`): it tries again on its next round.
 */
export async function withDeploymentLock<T>(
  deploymentDir: string,
  what: string,
  fn: () => Promise<T>,
  options: { waitMs?: number; host?: string } = {},
): Promise<T> {
  const file = lockFile(deploymentDir, options.host);
  mkdirSync(runDir(deploymentDir), { recursive: true });
  const deadline = Date.now() + (options.waitMs ?? 30_000);
  for (;;) {
    const owner = takeLock(file, what);
    if (owner === null) break;
    if (Date.now() >= deadline) {
      throw new TsworldError('INVALID_STATE', `another tsworld command is running on this deployment: '${owner.what}' (pid ${owner.pid})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}

/** One lock per run file: hosts started with --host each have their own processes to guard. */
function lockFile(deploymentDir: string, host: string | undefined): string {
  return join(runDir(deploymentDir), host === undefined ? 'cli.lock' : `cli-${host}.lock`);
}

/** Takes the lock (null), or names its live owner. A lock whose owner is gone is taken over. */
function takeLock(file: string, what: string): { pid: number; what: string } | null {
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid, what }), { flag: 'wx' });
      return null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw lockError(file, err);
      const owner = readOwner(file);
      if (owner && alive(owner.pid)) return owner;
      rmSync(file, { force: true }); // stale: its command is gone
    }
  }
}

/** Whether a live command holds the deployment lock now (the supervisor does nothing meanwhile). */
export function lockHeld(deploymentDir: string, host?: string): boolean {
  const owner = readOwner(lockFile(deploymentDir, host));
  return owner !== undefined && alive(owner.pid);
}

function readOwner(file: string): { pid: number; what: string } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { pid: number; what: string };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function lockError(file: string, cause: unknown): TsworldError {
  return new TsworldError('INVALID_STATE', `cannot take the deployment lock ${file}`, { cause });
}

/**
 * stop and kill: under the lock, act on the deployment's processes and clear its run file. Nothing
 * running is not an error: the deployment is already in the state asked for.
 */
export async function endDeployment(dir: string, verb: 'stop' | 'kill', act: (state: RunState) => Promise<string>, host?: string): Promise<number> {
  // A mistyped path would otherwise be taken for a config file, and its parent reported as empty.
  if (!existsSync(resolve(dir))) throw new TsworldError('INVALID_CONFIG', `no deployment directory or config file at ${resolve(dir)}`);
  const deploymentDir = dirname(resolveConfigPath(dir));
  return withDeploymentLock(deploymentDir, host === undefined ? verb : `${verb} --host ${host}`, async () => {
    const state = readRunState(deploymentDir, host);
    if (!state) {
      // Started host by host: say how to reach those, rather than only that nothing is here.
      const hosts = host === undefined ? readAllRunStates(deploymentDir).flatMap((s) => (s.host === undefined ? [] : [s.host])) : [];
      const hint = hosts.length > 0 ? ` (hosts started here with --host: ${hosts.join(', ')}; ${verb} each with --host NAME)` : '';
      process.stdout.write(`nothing to ${verb} in ${deploymentDir}${host === undefined ? '' : ` on host ${host}`}${hint}\n`);
      return 0;
    }
    await stopSupervisor(state, (line) => process.stdout.write(`${line}\n`));
    const summary = await act(state);
    clearRunState(deploymentDir, host);
    process.stdout.write(`${summary}\n`);
    return 0;
  });
}
