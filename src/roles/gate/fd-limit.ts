import { readFileSync } from 'node:fs';

/** The process's soft RLIMIT_NOFILE as read at start; `soft` is null when it could not be read. */
export interface FdLimit {
  readonly soft: number | null;
  /** Where it came from, or why it is unknown (for the start-up log line). */
  readonly source: string;
}

/**
 * Reads the soft descriptor limit from /proc/self/limits (Linux). Node has no getrlimit; elsewhere, or
 * when the file is unreadable, the limit is unknown and only `maxConnections` caps the gate.
 */
export function readFdLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): FdLimit {
  let text: string;
  try {
    text = read();
  } catch (err) {
    return { soft: null, source: `unreadable (${(err as Error).message})` };
  }
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!match) return { soft: null, source: 'no "Max open files" line in /proc/self/limits' };
  const soft = match[1] === 'unlimited' ? Infinity : Number(match[1]);
  if (Number.isNaN(soft)) return { soft: null, source: `unparsable limit ${match[1]}` };
  return { soft, source: '/proc/self/limits' };
}

/**
 * The gate's connection cap: `maxConnections`, and below the descriptor limit by `reserve` (links,
 * log files, the metrics port, the event loop's own descriptors, and connections being refused, which
 * each hold a descriptor until their 503 is written). Without that headroom, accept() fails with
 * EMFILE and uWS retries it at once, forever: a gate at the ceiling spins a core while idle.
 */
export function connectionCap(maxConnections: number, limit: FdLimit, reserve: number): { cap: number; byDescriptors: boolean } {
  if (limit.soft === null || limit.soft === Infinity) return { cap: maxConnections, byDescriptors: false };
  const byFd = Math.max(1, Math.floor(limit.soft) - reserve);
  return byFd < maxConnections ? { cap: byFd, byDescriptors: true } : { cap: maxConnections, byDescriptors: false };
}
