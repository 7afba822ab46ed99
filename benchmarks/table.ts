import type { BenchRow } from './bench-types.ts';

function fmt(v: unknown): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return String(v);
    return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3);
  }
  if (typeof v === 'boolean') return v ? 'yes' : '';
  return v === undefined ? '' : String(v);
}

/**
 * Text columns padded to their widest cell under a dashed rule: right-aligned (numbers), except the
 * columns `left` names (text). Every suite's table goes through here.
 */
export function alignedTable(head: readonly string[], cells: readonly string[][], left: (column: number) => boolean = () => false): string {
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const line = (vals: readonly string[]) => vals.map((v, i) => (left(i) ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** A plain aligned text table: workload columns, then the impl and its timings and ratio. */
export function formatTable(rows: BenchRow[], workloadColumns: string[]): string {
  const cols = [...workloadColumns, 'impl', 'baseline', 'msPerTick', 'meanMs', 'p95Ms', 'samples', 'ratio'];
  const head = cols.map((c) => (c === 'msPerTick' ? 'median ms' : c === 'ratio' ? 'x faster' : c));
  return alignedTable(head, rows.map((r) => cols.map((c) => fmt(r[c]))));
}

/** Fills `ratio` = baseline median / row median for rows sharing the same workload key. */
export function addRatios(rows: BenchRow[], workloadColumns: string[]): void {
  const key = (r: BenchRow) => workloadColumns.map((c) => String(r[c])).join('|');
  const base = new Map<string, number>();
  for (const r of rows) if (r.baseline && !base.has(key(r))) base.set(key(r), r.msPerTick);
  for (const r of rows) {
    const b = base.get(key(r));
    if (b !== undefined) r.ratio = b / r.msPerTick;
  }
}
