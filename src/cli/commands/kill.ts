import { withDeploymentLock } from '../deployment-lock.ts';
import { dirname } from 'node:path';
import { resolveConfigPath } from '../config-path.ts';
import { clearRunState, readRunState } from '../run-state.ts';
import { killProcesses } from '../stop-processes.ts';

export async function killCommand(dir: string): Promise<number> {
  return withDeploymentLock(dirname(resolveConfigPath(dir)), 'kill', () => killCommandLocked(dir));
}

async function killCommandLocked(dir: string): Promise<number> {
  const deploymentDir = dirname(resolveConfigPath(dir));
  const state = readRunState(deploymentDir);
  if (!state) {
    process.stdout.write(`nothing to kill in ${deploymentDir}\n`);
    return 0;
  }
  const killed = await killProcesses(state.processes);
  clearRunState(deploymentDir);
  for (const p of killed) process.stdout.write(`killed ${p.role}${p.id} (pid ${p.pid})\n`);
  process.stdout.write(`deployment ${state.deployment} killed\n`);
  return 0;
}
