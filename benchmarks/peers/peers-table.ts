import type { BenchRow } from '../bench-types.ts';
import { alignedTable } from '../table.ts';

const num = (v: unknown, digits = 1): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : String(v));
const int = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : String(v));

/** The table: N, system, tick and echo p50 / p99, bytes/s per client, CPU per server process and summed. */
export function formatPeersTable(rows: BenchRow[]): string {
  const head = ['N', 'system', 'tick p50 / p99 ms', 'echo p50 / p99 ms', 'bytes/s per client', 'in view', 'server CPU % (per process)', 'sum %', 'bots CPU %'];
  const cells = rows.map((r) => [
    String(r.n),
    String(r.system),
    `${num(r.tickP50Ms)} / ${num(r.tickP99Ms)}`,
    `${num(r.echoP50Ms)} / ${num(r.echoP99Ms)}`,
    int(r.bytesPerSecPerClient),
    num(r.inView, 0),
    String(r.cpuByProcess),
    num(r.serverCpuPct, 0),
    num(r.botCpuPct, 0),
  ]);
  return alignedTable(head, cells, (i) => i === 1 || i === 6);
}
