import { dirname } from 'node:path';
import { resolveConfigPath } from '../config-path.ts';
import { isOurProcess, readRunState } from '../run-state.ts';

export async function statusCommand(dir: string, opts: { json: boolean }): Promise<number> {
  const deploymentDir = dirname(resolveConfigPath(dir));
  const state = readRunState(deploymentDir);
  const rows = await Promise.all(
    (state?.processes ?? []).map(async (p) => ({
      role: p.role,
      id: p.id,
      pid: p.pid,
      alive: await isOurProcess(p),
      ...(p.url !== undefined ? { url: p.url } : {}),
      ...(p.listen !== undefined ? { listen: p.listen } : {}),
      logFile: p.logFile,
    })),
  );
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ deployment: state?.deployment ?? null, processes: rows })}\n`);
    return 0;
  }
  if (rows.length === 0) {
    process.stdout.write(`no deployment running in ${deploymentDir}\n`);
    return 0;
  }
  const table = rows.map((r) => [
    `${r.role}${r.id}`,
    String(r.pid),
    r.alive ? 'alive' : 'DEAD',
    r.url ?? r.listen ?? '',
    r.logFile,
  ]);
  const header = ['process', 'pid', 'state', 'address', 'log'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  process.stdout.write(`deployment ${state?.deployment}\n${[header, ...table].map(line).join('\n')}\n`);
  return 0;
}
