import { performance } from 'node:perf_hooks';

/**
 * Milliseconds since the Unix epoch, monotonic within a process and with sub-millisecond resolution.
 * Injected everywhere time is read (roles, tick, rate limits), so tests can use a fake one; being on the
 * epoch, the same value also serves what crosses processes (a snapshot's freeze time).
 */
export interface Clock {
  now(): number;
}

/** Schedules one callback; returns a function that cancels it. */
export interface Scheduler {
  schedule(fn: () => void, delayMs: number): () => void;
}

export function createSystemClock(): Clock {
  // timeOrigin + now(): Date.now()'s epoch, but never stepped back by NTP and finer than 1 ms.
  const origin = performance.timeOrigin;
  return { now: () => origin + performance.now() };
}

/** Runs `fn` every `periodMs` on `scheduler` until the returned function is called. */
export function every(scheduler: Scheduler, periodMs: number, fn: () => void): () => void {
  let cancel: () => void = () => undefined;
  let stopped = false;
  const arm = () => {
    cancel = scheduler.schedule(() => {
      if (stopped) return;
      arm();
      fn();
    }, periodMs);
  };
  arm();
  return () => {
    stopped = true;
    cancel();
  };
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
