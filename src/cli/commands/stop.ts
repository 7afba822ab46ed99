import { endDeployment } from '../deployment-lock.ts';
import { checkHostFlag } from '../host-flag.ts';
import { loadConfig } from '../../config/index.ts';
import { resolveConfigPath } from '../config-path.ts';
import { stopProcesses } from '../stop-processes.ts';

export function stopCommand(dir: string, host?: string): Promise<number> {
  if (host !== undefined) checkHostFlag(loadConfig(resolveConfigPath(dir)), host);
  return endDeployment(dir, 'stop', async (state) => {
    const report = await stopProcesses(state.processes, 10_000, (line) => process.stdout.write(`${line}\n`));
    const where = host === undefined ? '' : ` on host ${host}`;
    return `deployment ${state.deployment} stopped${where} (${report.stopped.length + report.killed.length} processes)`;
  }, host);
}
