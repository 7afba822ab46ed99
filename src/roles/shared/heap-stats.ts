import { Session } from 'node:inspector/promises';
import { getHeapStatistics } from 'node:v8';
import type { ControlHandler } from './control-channel.ts';

export interface HeapStats {
  /** V8 heap in use after a full collection: what the process really retains. */
  readonly usedHeapBytes: number;
  readonly totalHeapBytes: number;
  /** Array buffers and other memory V8 objects hold outside the heap. */
  readonly externalBytes: number;
  readonly rssBytes: number;
}

/**
 * The control channel's `heap` request: the process's memory after a full garbage collection, so two
 * readings differ only by what is retained (the in-place reload test reads it between reloads). The
 * collection goes through an in-process inspector session, which needs no `--expose-gc`; it pauses the
 * process for as long as a major GC takes (tens of ms on a small game), so it is for operators and
 * tests, not for a metric scraped every few seconds.
 */
export async function heapAfterGc(): Promise<HeapStats> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.collectGarbage');
    // A second pass once finalizers and weak callbacks queued by the first have run.
    await new Promise((resolve) => setImmediate(resolve));
    await session.post('HeapProfiler.collectGarbage');
  } finally {
    session.disconnect();
  }
  const heap = getHeapStatistics();
  const memory = process.memoryUsage();
  return { usedHeapBytes: heap.used_heap_size, totalHeapBytes: heap.total_heap_size, externalBytes: memory.external, rssBytes: memory.rss };
}

/** The `heap` control request, which every role answers (the ccu bench reads each process's retained heap). */
export const HEAP_HANDLER: Readonly<Record<string, ControlHandler>> = { heap: async () => ({ ...(await heapAfterGc()) }) };
