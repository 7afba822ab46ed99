import { dirname } from 'node:path';
import { loadConfig, type DeploymentConfig } from '../../config/index.ts';
import { askDispatchers, clusterRows, type ClusterRow, type DispatcherAnswer } from '../cluster-status.ts';
import { resolveConfigPath } from '../config-path.ts';
import { checkHostFlag } from '../host-flag.ts';
import { isOurProcess, readAllRunStates, readRunState, type ProcessRecord, type RunState } from '../run-state.ts';

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

/** The config, when it names hosts (the cluster view); a config that does not load leaves the local view. */
function hostsConfig(dir: string, host: string | undefined): DeploymentConfig | undefined {
  let config: DeploymentConfig;
  try {
    config = loadConfig(resolveConfigPath(dir));
  } catch (err) {
    if (host !== undefined) throw err;
    return undefined;
  }
  checkHostFlag(config, host);
  return Object.keys(config.hosts).length > 0 ? config : undefined;
}

/**
 * The deployment's processes with restarts and uptime; exits 1 while any of them is down. With hosts,
 * every host's processes as the dispatchers see them, merged with this machine's run files.
 */
export async function statusCommand(dir: string, opts: { json: boolean; host?: string }): Promise<number> {
  const config = hostsConfig(dir, opts.host);
  if (config) return clusterStatus(config, opts);
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

async function supervisorsOf(states: readonly RunState[]): Promise<{ host: string | null; pid: number; alive: boolean; logFile: string }[]> {
  const out = [];
  for (const st of states) {
    const sup = st.supervisor;
    if (sup) out.push({ host: st.host ?? null, pid: sup.pid, alive: await isOurProcess({ pid: sup.pid, role: 'supervisor' }), logFile: sup.logFile });
  }
  return out;
}

function printTable(header: string[], table: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write(`${[header, ...table].map(line).join('\n')}\n`);
}

function printCluster(config: DeploymentConfig, rows: ClusterRow[], answers: DispatcherAnswer[], supervisors: Awaited<ReturnType<typeof supervisorsOf>>): void {
  const hosts = Object.entries(config.hosts).map(([name, h]) => `${name} ${h.address}`).join(', ');
  process.stdout.write(`deployment ${config.deployment} on hosts ${hosts}\n`);
  for (const a of answers) process.stdout.write(`  dispatcher${a.id}: ${a.view ? `answered (${a.url})` : `not seen: ${a.error}`}\n`);
  for (const s of supervisors) process.stdout.write(`  supervisor${s.host === null ? '' : ` of host ${s.host}`}: pid ${s.pid} ${s.alive ? 'alive' : 'DEAD'}\n`);
  const table = rows.map((r) => [
    `${r.role}${r.id}`, r.host ?? '-', r.pid === null ? '-' : String(r.pid), r.state, String(r.restarts), uptime(r.uptimeSec),
    r.role === 'dispatcher' ? '' : r.seenBy.map((id) => `d${id}`).join(',') || '-', r.url ?? r.listen ?? '', r.note ?? '',
  ]);
  printTable(['process', 'host', 'pid', 'state', 'restarts', 'uptime', 'seen by', 'address', 'note'], table);
  const down = rows.filter((r) => !r.alive);
  if (down.length > 0) process.stdout.write(`${down.length} process(es) not alive: ${down.map((r) => `${r.role}${r.id} (${r.state})`).join(', ')}\n`);
}

/** The whole deployment across its hosts; --host adds only that host's run file to what the dispatchers say. */
async function clusterStatus(config: DeploymentConfig, opts: { json: boolean; host?: string }): Promise<number> {
  const states = opts.host === undefined ? readAllRunStates(config.baseDir) : [readRunState(config.baseDir, opts.host)].filter((s): s is RunState => s !== undefined);
  const answers = await askDispatchers(config);
  const rows = await clusterRows(config, states, answers);
  const supervisors = await supervisorsOf(states);
  const down = rows.some((r) => !r.alive);
  if (opts.json) {
    const own = opts.host === undefined ? supervisors[0] : supervisors.find((s) => s.host === opts.host);
    const dispatchers = answers.map((a) => ({ id: a.id, url: a.url, seen: a.view !== undefined, ...(a.error ? { error: a.error } : {}) }));
    const body = { deployment: config.deployment, hosts: config.hosts, supervisor: own ?? null, supervisors, dispatchers, processes: rows };
    process.stdout.write(`${JSON.stringify(body)}\n`);
  } else {
    printCluster(config, rows, answers, supervisors);
  }
  return down ? 1 : 0;
}
