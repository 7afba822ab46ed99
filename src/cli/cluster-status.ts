import type { DeploymentConfig, DispatcherConfig } from '../config/index.ts';
import type { ClusterView } from '../roles/dispatcher/cluster-view.ts';
import { isOurProcess, type ProcessRecord, type RunState } from './run-state.ts';

/**
 * `tsworld status` of a deployment with hosts: every process of the config, on every host, as the
 * dispatchers see it (`GET /cluster` on their metrics ports), merged with the run files of this machine
 * (their pids, restarts and uptime). A process is alive when every dispatcher that answered has it
 * linked (and, when it runs here, its pid lives).
 */
export type ClusterState = 'alive' | 'DEAD' | 'GAVE UP' | 'DOWN' | 'PARTIAL' | 'UNKNOWN';

export interface ClusterRow {
  role: 'dispatcher' | 'game' | 'gate';
  id: number;
  host: string | null;
  /** Known only for a process whose run file is on this machine. */
  pid: number | null;
  alive: boolean;
  state: ClusterState;
  restarts: number;
  uptimeSec: number | null;
  /** Dispatchers (ids) that have it linked; for a dispatcher, whether it answered. */
  seenBy: number[];
  url?: string;
  listen?: string;
  logFile?: string;
  /** Why it is not alive, when that is known. */
  note?: string;
}

export interface DispatcherAnswer {
  id: number;
  /** Where its view was asked for; null without a fixed metrics port. */
  url: string | null;
  view?: ClusterView;
  error?: string;
}

const ASK_TIMEOUT_MS = 3_000;

function clusterUrl(d: DispatcherConfig): string | null {
  if (d.metricsPort === undefined || d.metricsPort === 0) return null;
  const host = d.metricsHost === '0.0.0.0' || d.metricsHost === '::' ? d.host : d.metricsHost;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${d.metricsPort}/cluster`;
}

export async function askDispatchers(config: DeploymentConfig): Promise<DispatcherAnswer[]> {
  return Promise.all(
    config.dispatchers.map(async (d): Promise<DispatcherAnswer> => {
      const url = clusterUrl(d);
      if (url === null) return { id: d.id, url, error: 'no metricsPort: it cannot be asked (give it one to see the cluster)' };
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(ASK_TIMEOUT_MS) });
        if (res.status !== 200) return { id: d.id, url, error: `${res.status} ${(await res.text()).trim()}` };
        return { id: d.id, url, view: (await res.json()) as ClusterView };
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause;
        return { id: d.id, url, error: cause?.code ?? (err as Error).message };
      }
    }),
  );
}

interface Local {
  record: ProcessRecord;
  alive: boolean;
}

async function localRecords(states: readonly RunState[]): Promise<Map<string, Local>> {
  const out = new Map<string, Local>();
  for (const state of states) {
    for (const record of state.processes) out.set(`${record.role}${record.id}`, { record, alive: await isOurProcess(record) });
  }
  return out;
}

/** What the dispatchers that answered say of one game or gate. */
function seenState(seenBy: number[], answered: number[]): { state: ClusterState; note?: string } {
  if (answered.length === 0) return { state: 'UNKNOWN', note: 'no dispatcher could be asked' };
  if (seenBy.length === answered.length) return { state: 'alive' };
  if (seenBy.length === 0) return { state: 'DOWN', note: `linked to no dispatcher (asked ${answered.map((id) => `dispatcher${id}`).join(', ')})` };
  const missing = answered.filter((id) => !seenBy.includes(id));
  return { state: 'PARTIAL', note: `not linked to ${missing.map((id) => `dispatcher${id}`).join(', ')}` };
}

function fromLocal(row: ClusterRow, local: Local | undefined, now: number): ClusterRow {
  if (!local) return row;
  const { record } = local;
  const base = { ...row, pid: record.pid, restarts: record.restarts ?? 0, logFile: record.logFile, ...(record.url ? { url: record.url } : {}) };
  if (!local.alive) return { ...base, alive: false, state: record.gaveUp ? 'GAVE UP' : 'DEAD', uptimeSec: null, note: 'its pid is gone' };
  const uptimeSec = Math.round((now - Date.parse(record.startedAt)) / 1000);
  // Nobody could be asked, but it runs here: its pid is the best word there is.
  if (row.state === 'UNKNOWN') return { ...base, uptimeSec, state: 'alive', alive: true, note: `its pid lives; ${row.note ?? 'no dispatcher view'}` };
  return { ...base, uptimeSec };
}

export async function clusterRows(config: DeploymentConfig, states: readonly RunState[], answers: readonly DispatcherAnswer[]): Promise<ClusterRow[]> {
  const local = await localRecords(states);
  const now = Date.now();
  const answered = answers.filter((a) => a.view).map((a) => a.id);
  const blank = (role: ClusterRow['role'], id: number, host: string | undefined): ClusterRow => ({
    role, id, host: host ?? null, pid: null, alive: false, state: 'UNKNOWN', restarts: 0, uptimeSec: null, seenBy: [],
  });
  const rows: ClusterRow[] = [];
  for (const d of config.dispatchers) {
    const answer = answers.find((a) => a.id === d.id);
    const state: ClusterState = answer?.view ? 'alive' : answer?.url === null ? 'UNKNOWN' : 'DOWN';
    const row = {
      ...blank('dispatcher', d.id, d.hostName),
      state,
      alive: state === 'alive',
      seenBy: answer?.view ? [d.id] : [],
      uptimeSec: answer?.view?.uptimeSec ?? null,
      listen: `${d.host}:${d.port}`,
    };
    rows.push(fromLocal(answer?.error ? { ...row, note: answer.error } : row, local.get(`dispatcher${d.id}`), now));
  }
  const linked = (role: 'game' | 'gate', id: number): number[] =>
    answers.filter((a) => a.view && (role === 'game' ? a.view.games : a.view.gates).some((p) => p.id === id)).map((a) => a.id);
  for (const [role, list] of [['game', config.games], ['gate', config.gates]] as const) {
    for (const p of list) {
      const seenBy = linked(role, p.id);
      const seen = seenState(seenBy, answered);
      const url = role === 'gate' ? { url: `http://${(p as { host: string }).host}:${(p as { port: number }).port}/` } : {};
      const row: ClusterRow = { ...blank(role, p.id, p.hostName), ...seen, alive: seen.state === 'alive', seenBy, ...url };
      rows.push(fromLocal(row, local.get(`${role}${p.id}`), now));
    }
  }
  return rows;
}
