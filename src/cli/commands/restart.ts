import { loadConfig } from '../../config/index.ts';
import { resolveConfigPath } from '../config-path.ts';
import { withDeploymentLock } from '../deployment-lock.ts';
import { checkHostFlag } from '../host-flag.ts';
import { readRunState, writeRunState } from '../run-state.ts';
import { stopProcesses } from '../stop-processes.ts';
import { startDetached } from '../supervisor/start-detached.ts';

/**
 * `tsworld restart <dir> <process>`: stops one process gracefully (a game saves its entities) and starts
 * it again, under the deployment lock so the supervisor does not race it. The others keep running.
 */
export async function restartCommand(dir: string, name: string | undefined, host?: string): Promise<number> {
  const configPath = resolveConfigPath(dir);
  const config = loadConfig(configPath);
  checkHostFlag(config, host);
  const state = readRunState(config.baseDir, host);
  const names = (state?.processes ?? []).map((p) => `${p.role}${p.id}`);
  const record = state?.processes.find((p) => `${p.role}${p.id}` === name);
  if (!state || !record) {
    process.stderr.write(`tsworld restart: ${name === undefined ? 'name a process' : `no process '${name}'`}; this deployment has ${names.join(', ') || 'none running'}\n`);
    return 2;
  }
  return withDeploymentLock(config.baseDir, `restart ${name}`, async () => {
    const t0 = Date.now();
    await stopProcesses([record], 10_000, (line) => process.stdout.write(`${line}\n`));
    const fresh = await startDetached(configPath, config.logging.dir, record);
    Object.assign(record, { ...fresh, restarts: (record.restarts ?? 0) + 1, gaveUp: false });
    writeRunState(config.baseDir, state);
    process.stdout.write(`restarted ${name} as pid ${fresh.pid} in ${Date.now() - t0} ms\n`);
    return 0;
  }, host === undefined ? {} : { host });
}
