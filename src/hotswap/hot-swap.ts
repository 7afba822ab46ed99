import { dumpWorld, loadWorld, type LoadReport, type WorldDumpHeader } from '../core/world-dump.ts';
import type { GameWorld, GameWorldOptions } from '../core/world-api.ts';
import { readSnapshot, writeSnapshot } from './snapshot-file.ts';

export interface FreezeResult {
  header: WorldDumpHeader;
  entities: number;
  bytes: number;
  /** onFreeze hooks, settling and copying the arrays. */
  dumpMs: number;
  /** Encoding, writing and rename (no fsync: see writeSnapshot). */
  writeMs: number;
}

export interface RestoreResult {
  world: GameWorld;
  report: LoadReport;
  /** The game role's own state, exactly as passed to freezeToFile. */
  extra: unknown;
  header: WorldDumpHeader;
  readMs: number;
  /** loadWorld, AOI rebuild and onRestored included. */
  loadMs: number;
}

/**
 * The freeze half of a process swap: onFreeze on every entity, drain posted callbacks and deferred
 * ops, then write the snapshot atomically to `path`. Call it between ticks (after the outbound phase
 * has drained), once the dispatcher queues this game's packets; nothing may touch the world after it.
 */
export function freezeToFile(world: GameWorld, path: string, extra?: unknown): FreezeResult {
  const t0 = performance.now();
  const dump = dumpWorld(world);
  const t1 = performance.now();
  const { bytes } = writeSnapshot(path, dump, extra);
  return { header: dump.header, entities: dump.state.entities.length, bytes, dumpMs: t1 - t0, writeMs: performance.now() - t1 };
}

/**
 * The restore half, in the new process: reads and validates the snapshot, rebuilds the world with the
 * new code in `options` (eids preserved, fields matched by name, AOI rebuilt silently, timers re-armed
 * with their remaining time, onRestored last). The file is left where it is, also on failure (a
 * SCHEMA_MISMATCH keeps it for a retry with compatible code); the caller removes it once the swap is done.
 */
export function restoreFromFile(path: string, options: GameWorldOptions): RestoreResult {
  const t0 = performance.now();
  const { dump, extra } = readSnapshot(path);
  const t1 = performance.now();
  const { world, report } = loadWorld(dump, options);
  return { world, report, extra, header: dump.header, readMs: t1 - t0, loadMs: performance.now() - t1 };
}

/** One line for the log: what the new code had to adapt, or "no schema changes". */
export function summarizeLoadReport(report: LoadReport): string {
  const parts: string[] = [];
  if (report.droppedComponents.length > 0) parts.push(`dropped components ${report.droppedComponents.join(', ')}`);
  const fields = (what: string, byComp: Record<string, string[]>) => {
    for (const [comp, names] of Object.entries(byComp)) parts.push(`${what} ${names.map((n) => `${comp}.${n}`).join(', ')}`);
  };
  fields('added fields (defaults)', report.addedFields);
  fields('removed fields (dropped)', report.removedFields);
  const reset = Object.entries(report.resetAttrs);
  if (reset.length > 0) {
    const roots = new Set(reset.flatMap(([, names]) => names));
    parts.push(`attributes reset or dropped on ${reset.length} entities (${[...roots].sort().join(', ')})`);
  }
  return parts.length === 0 ? 'no schema changes' : parts.join('; ');
}
