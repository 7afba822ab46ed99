import { endDeployment } from '../deployment-lock.ts';
import { checkHostFlag } from '../host-flag.ts';
import { loadConfig } from '../../config/index.ts';
import { resolveConfigPath } from '../config-path.ts';
import { killProcesses } from '../stop-processes.ts';

export function killCommand(dir: string, host?: string): Promise<number> {
  if (host !== undefined) checkHostFlag(loadConfig(resolveConfigPath(dir)), host);
  return endDeployment(dir, 'kill', async (state) => {
    const killed = await killProcesses(state.processes);
    for (const p of killed) process.stdout.write(`killed ${p.role}${p.id} (pid ${p.pid})\n`);
    return `deployment ${state.deployment} killed${host === undefined ? '' : ` on host ${host}`}`;
  }, host);
}
