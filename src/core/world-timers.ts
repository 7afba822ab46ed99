import { TsworldError } from './errors.ts';
import { createTimerQueue, type TimerRecord } from './timer-queue.ts';

export interface WorldTimerHandle {
  readonly id: number;
  /** False when it already ran (one-shot) or was cancelled. */
  cancel(): boolean;
}

/**
 * Game-level timers that belong to no entity (GoWorld's AddCallback and AddTimer): a callback after
 * `delayMs`, or every `repeat` ms. They run in the async phase with the entity timers, on world time.
 * They hold closures, so they are NOT kept across a process swap (the new process has none until its
 * code adds them again, e.g. in onGameReady); entity timers and cron entries are kept.
 */
export interface WorldTimers {
  /** Throws INVALID_ARGUMENT for a negative delay, a repeat under 1 ms or a callback that is not a function. */
  add(delayMs: number, fn: () => void, options?: { repeat?: boolean | number }): WorldTimerHandle;
  readonly count: number;
}

export interface WorldTimerTable {
  readonly api: WorldTimers;
  /** Runs every timer due at `now`; a throw is reported and the others still run. */
  fire(now: number, report: (error: unknown, where: string) => void): void;
}

export function createWorldTimers(now: () => number): WorldTimerTable {
  const queue = createTimerQueue();
  const live = new Map<number, { timer: TimerRecord; fn: () => void }>();
  let nextId = 1;
  const api: WorldTimers = {
    add(delayMs, fn, options = {}) {
      const interval = options.repeat === true ? delayMs : typeof options.repeat === 'number' ? options.repeat : 0;
      if (typeof fn !== 'function') throw new TsworldError('INVALID_ARGUMENT', 'world.timers.add needs a callback');
      if (!(delayMs >= 0) || (options.repeat !== undefined && options.repeat !== false && !(interval >= 1))) {
        throw new TsworldError('INVALID_ARGUMENT', 'world timer delay must be >= 0 and a repeat interval >= 1 ms');
      }
      const id = nextId++;
      const timer: TimerRecord = { id, ownerEid: -1, method: '', args: [], due: now() + delayMs, interval, seq: 0, cancelled: false };
      live.set(id, { timer, fn });
      queue.push(timer);
      return Object.freeze({
        id,
        cancel() {
          const entry = live.get(id);
          if (entry === undefined) return false;
          entry.timer.cancelled = true;
          live.delete(id);
          return true;
        },
      });
    },
    get count() {
      return live.size;
    },
  };
  return {
    api,
    fire(at, report) {
      for (let timer = queue.popDue(at); timer !== undefined; timer = queue.popDue(at)) {
        const entry = live.get(timer.id);
        if (entry === undefined) continue;
        if (timer.interval > 0) {
          timer.due += timer.interval;
          queue.push(timer);
        } else {
          live.delete(timer.id);
        }
        try {
          entry.fn();
        } catch (error) {
          report(error, 'world timer');
        }
      }
    },
  };
}
