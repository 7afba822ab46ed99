import { dirname } from 'node:path';
import { resolveConfigPath } from '../config-path.ts';
import { isOurProcess, readRunState, type ProcessRecord } from '../run-state.ts';

interface Row {
  role: string;
  id: number;
  pid: number;
  alive: boolean;
  /** alive, DEAD (being restarted, or unsupervised), or GAVE UP (past the restart intensity). */
  state: 'alive' | 'DEAD' | 'GAVE UP';
  restarts: number;
  uptimeSec: number | null;
  url?: string;
  listen?: string;
  logFile: string;
}

async function rowOf(p: ProcessRecord, now: number): Promise<Row> {
  const alive = await isOurProcess(p);
  return {
    role: p.role,
    id: p.id,
    pid: p.pid,
    alive,
    state: alive ? 'alive' : p.gaveUp ? 'GAVE UP' : 'DEAD',
    restarts: p.restarts ?? 0,
    uptimeSec: alive ? Math.round((now - Date.parse(p.startedAt)) / 1000) : null,
    ...(p.url !== undefined ? { url: p.url } : {}),
    ...(p.listen !== undefined ? { listen: p.listen } : {}),
    logFile: p.logFile,
  };
}

function uptime(sec: number | null): string {
  if (sec === null) return '-';
  return sec < 120 ? `${sec}s` : sec < 7200 ? `${Math.round(sec / 60)}m` : `${(sec / 3600).toFixed(1)}h`;
}

/** The deployment's processes with restarts and uptime; exits 1 while any of them is down. */
export async function statusCommand(dir: string, opts: { json: boolean }): Promise<number> {
  const deploymentDir = dirname(resolveConfigPath(dir));
  const state = readRunState(deploymentDir);
  const now = Date.now();
  const rows = await Promise.all((state?.processes ?? []).map((p) => rowOf(p, now)));
  const sup = state?.supervisor;
  const supervisor = sup ? { pid: sup.pid, alive: await isOurProcess({ pid: sup.pid, role: 'supervisor' }), logFile: sup.logFile } : null;
  const down = rows.some((r) => !r.alive);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ deployment: state?.deployment ?? null, supervisor, processes: rows })}\n`);
    return down ? 1 : 0;
  }
  if (rows.length === 0) {
    process.stdout.write(`no deployment running in ${deploymentDir}\n`);
    return 0;
  }
  const table = rows.map((r) => [`${r.role}${r.id}`, String(r.pid), r.state, String(r.restarts), uptime(r.uptimeSec), r.url ?? r.listen ?? '', r.logFile]);
  const header = ['process', 'pid', 'state', 'restarts', 'uptime', 'address', 'log'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const supLine = supervisor ? `supervisor pid ${supervisor.pid} ${supervisor.alive ? 'alive' : 'DEAD'}` : 'not supervised';
  process.stdout.write(`deployment ${state?.deployment} (${supLine})\n${[header, ...table].map(line).join('\n')}\n`);
  if (down) process.stdout.write(`${rows.filter((r) => !r.alive).length} process(es) down\n`);
  return down ? 1 : 0;
}
