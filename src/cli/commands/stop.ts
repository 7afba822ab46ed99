import { endDeployment } from '../deployment-lock.ts';
import { stopProcesses } from '../stop-processes.ts';

export function stopCommand(dir: string): Promise<number> {
  return endDeployment(dir, 'stop', async (state) => {
    const report = await stopProcesses(state.processes, 10_000, (line) => process.stdout.write(`${line}\n`));
    return `deployment ${state.deployment} stopped (${report.stopped.length + report.killed.length} processes)`;
  });
}
