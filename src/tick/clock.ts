import { performance } from 'node:perf_hooks';

/** Monotonic milliseconds. Injected everywhere time is read, so tests can use a fake one. */
export interface Clock {
  now(): number;
}

/** Schedules one callback; returns a function that cancels it. */
export interface Scheduler {
  schedule(fn: () => void, delayMs: number): () => void;
}

export function createSystemClock(): Clock {
  return { now: () => performance.now() };
}

/**
 * setTimeout for real delays; setImmediate when the loop is already due, because setTimeout(0) is
 * clamped to about 1 ms and would add latency to a loop that is catching up.
 */
export function createSystemScheduler(): Scheduler {
  return {
    schedule(fn, delayMs) {
      if (delayMs < 1) {
        const handle = setImmediate(fn);
        return () => clearImmediate(handle);
      }
      const handle = setTimeout(fn, delayMs);
      return () => clearTimeout(handle);
    },
  };
}
