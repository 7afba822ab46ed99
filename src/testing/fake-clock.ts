import type { Clock, Scheduler } from '../tick/clock.ts';

/** A clock that moves only when told to. */
export interface FakeClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
}

export function createFakeClock(start = 0): FakeClock {
  let now = start;
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
    set(ms) {
      now = ms;
    },
  };
}

/** A scheduler on a fake clock: `advance` moves time and runs what came due, in due order. */
export interface FakeScheduler extends Scheduler {
  readonly pending: number;
  /** Delays passed to `schedule`, in call order; lets tests check drift correction. */
  readonly delays: readonly number[];
  advance(ms: number): void;
}

export function createFakeScheduler(clock: FakeClock): FakeScheduler {
  let seq = 0;
  const tasks: { due: number; seq: number; fn: () => void }[] = [];
  const delays: number[] = [];
  return {
    get pending() {
      return tasks.length;
    },
    delays,
    schedule(fn, delayMs) {
      delays.push(delayMs);
      const task = { due: clock.now() + delayMs, seq: seq++, fn };
      tasks.push(task);
      return () => {
        const i = tasks.indexOf(task);
        if (i >= 0) tasks.splice(i, 1);
      };
    },
    advance(ms) {
      const end = clock.now() + ms;
      for (;;) {
        tasks.sort((a, b) => a.due - b.due || a.seq - b.seq);
        const next = tasks[0];
        if (next === undefined || next.due > end) break;
        tasks.shift();
        if (next.due > clock.now()) clock.set(next.due);
        next.fn();
      }
      if (end > clock.now()) clock.set(end);
    },
  };
}
