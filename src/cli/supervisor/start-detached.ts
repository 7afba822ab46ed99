import { join } from 'node:path';
import type { ProcessRecord } from '../run-state.ts';
import { spawnRole } from '../spawn-role.ts';

/**
 * Starts one role again, daemonized and detached as `tsworld start` leaves them, and resolves with its
 * new record once it serves. A game runs the kept copy of the code the deployment runs (`code`), not
 * whatever is on disk now: an edit nobody reloaded yet must not slip in through a crash.
 */
export async function startDetached(configPath: string, logDir: string, record: ProcessRecord): Promise<ProcessRecord> {
  const logFile = join(logDir, `${record.role}${record.id}.log`);
  const spawned = await spawnRole({
    role: record.role, id: record.id, configPath, logFile, foreground: false, readyTimeoutMs: 60_000,
    ...(record.code ? { extraArgs: ['--code', record.code] } : {}),
  });
  spawned.child.disconnect();
  spawned.child.unref();
  return {
    ...record,
    pid: spawned.child.pid!,
    logFile,
    startedAt: new Date().toISOString(),
    ...(spawned.ready.url ? { url: spawned.ready.url } : {}),
  };
}
