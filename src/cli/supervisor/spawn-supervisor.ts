import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeploymentConfig } from '../../config/index.ts';
import { ENGINE_EXT, engineNodeFlags } from '../../core/engine-files.ts';
import type { SupervisorRecord } from '../run-state.ts';
import { outFile } from '../spawn-role.ts';

/** Starts the deployment's supervisor, detached, logging JSON lines to logs/supervisor.log (supervisor-<host>.log for one host). */
export function spawnSupervisor(config: DeploymentConfig, configPath: string, host?: string): SupervisorRecord {
  const logFile = join(config.logging.dir, host === undefined ? 'supervisor.log' : `supervisor-${host}.log`);
  mkdirSync(dirname(logFile), { recursive: true });
  const main = join(dirname(fileURLToPath(import.meta.url)), `main${ENGINE_EXT}`);
  // The supervisor writes its log file itself (rotated); its raw stdout and stderr go beside it (.out).
  const logFd = openSync(outFile(logFile), 'a');
  const child = spawn(process.execPath, [...engineNodeFlags(), main, '--config', configPath, '--log-file', logFile, ...(host === undefined ? [] : ['--host', host])], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  child.unref();
  return { pid: child.pid!, logFile, startedAt: new Date().toISOString() };
}
