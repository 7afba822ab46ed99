import { readFileSync } from 'node:fs';

/** This process's soft limit on open files (children inherit it); Infinity if /proc does not say. */
export function openFilesLimit(): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m === null || m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
}

/** Descriptors a server keeps beyond its clients (the gate's default fdReserve). */
const RESERVE = 256;

/**
 * The client counts to measure: each wanted one, or, where one server process could not hold that
 * many sockets under the descriptor limit, the largest whole thousand that fits (and a note why).
 */
export function fittingCounts(wanted: readonly number[], limit: number): { counts: number[]; notes: string[] } {
  const fits = Math.floor((limit - RESERVE) / 1000) * 1000;
  const notes: string[] = [];
  const counts = wanted.map((n) => {
    if (n <= limit - RESERVE) return n;
    notes.push(`${n} clients do not fit under the open-files limit ${limit} (one socket each in the server process): measured ${fits}`);
    return fits;
  });
  return { counts: [...new Set(counts)], notes };
}
