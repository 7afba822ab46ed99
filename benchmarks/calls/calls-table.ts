import type { BenchRow } from '../bench-types.ts';
import { alignedTable } from '../table.ts';

const num = (v: unknown, digits = 1): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : String(v));

/** N, call, round trip p50 / p99, calls answered, × the echo's p50, the slower game's tick p99, server CPU. */
export function formatCallsTable(rows: BenchRow[]): string {
  const head = ['N', 'call', 'rtt p50 / p99 ms', 'answered', 'p50 × echo', 'game tick p99 ms', 'server CPU % (per process)', 'sum %', 'bots CPU %'];
  const cells = rows.map((r) => [
    String(r.n),
    String(r.impl),
    `${num(r.p50Ms)} / ${num(r.p99Ms)}`,
    String(r.samples),
    // ratio is baseline / this (x faster); the inverse reads as "how many echoes' time".
    typeof r.ratio === 'number' ? `${(1 / r.ratio).toFixed(2)}` : '',
    num(r.tickP99Ms),
    String(r.cpuByProcess),
    num(r.serverCpuPct, 0),
    num(r.botCpuPct, 0),
  ]);
  return alignedTable(head, cells, (i) => i === 1 || i === 6);
}
