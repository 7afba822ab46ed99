import { endDeployment } from '../deployment-lock.ts';
import { killProcesses } from '../stop-processes.ts';

export function killCommand(dir: string): Promise<number> {
  return endDeployment(dir, 'kill', async (state) => {
    const killed = await killProcesses(state.processes);
    for (const p of killed) process.stdout.write(`killed ${p.role}${p.id} (pid ${p.pid})\n`);
    return `deployment ${state.deployment} killed`;
  });
}
