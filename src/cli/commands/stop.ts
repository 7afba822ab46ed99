import { withDeploymentLock } from '../deployment-lock.ts';
import { dirname } from 'node:path';
import { resolveConfigPath } from '../config-path.ts';
import { clearRunState, readRunState } from '../run-state.ts';
import { stopProcesses } from '../stop-processes.ts';

export async function stopCommand(dir: string): Promise<number> {
  return withDeploymentLock(dirname(resolveConfigPath(dir)), 'stop', () => stopCommandLocked(dir));
}

async function stopCommandLocked(dir: string): Promise<number> {
  const deploymentDir = dirname(resolveConfigPath(dir));
  const state = readRunState(deploymentDir);
  if (!state) {
    process.stdout.write(`nothing to stop in ${deploymentDir}\n`);
    return 0;
  }
  const report = await stopProcesses(state.processes, 10_000, (line) => process.stdout.write(`${line}\n`));
  clearRunState(deploymentDir);
  process.stdout.write(`deployment ${state.deployment} stopped (${report.stopped.length + report.killed.length} processes)\n`);
  return 0;
}
