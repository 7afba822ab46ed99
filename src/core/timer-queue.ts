/** A scheduled call of an entity method by name; plain data so it can be dumped and re-armed. */
export interface TimerRecord {
  readonly id: number;
  readonly ownerEid: number;
  readonly method: string;
  readonly args: readonly unknown[];
  /** World time (ms) at which it fires. */
  due: number;
  /** 0 for a one-shot timer. */
  readonly interval: number;
  seq: number;
  cancelled: boolean;
  /** A crontab entry: after each run it is due at the expression's next time, not after `interval`. */
  readonly cron?: string;
  /** Wall-clock ms of the run it is due for: the next one is computed from there, so none runs twice. */
  cronAt?: number;
}

/**
 * Min-heap on (due, seq): timers due at the same time fire in the order they were scheduled.
 * Cancellation is lazy (a flag), so cancel is O(1) and the heap pops skip cancelled entries.
 */
export interface TimerQueue {
  readonly size: number;
  push(timer: TimerRecord): void;
  /** Removes and returns the earliest live timer with due <= now. */
  popDue(now: number): TimerRecord | undefined;
  clear(): void;
}

export function createTimerQueue(): TimerQueue {
  const heap: TimerRecord[] = [];
  let seq = 0;
  const less = (a: TimerRecord, b: TimerRecord) => a.due < b.due || (a.due === b.due && a.seq < b.seq);
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i], heap[parent])) return;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l], heap[m])) m = l;
      if (r < heap.length && less(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  const popTop = () => {
    const top = heap[0];
    const last = heap.pop() as TimerRecord;
    if (heap.length > 0) {
      heap[0] = last;
      down(0);
    }
    return top;
  };
  return {
    get size() {
      return heap.length;
    },
    push(timer) {
      timer.seq = seq++;
      heap.push(timer);
      up(heap.length - 1);
    },
    popDue(now) {
      while (heap.length > 0) {
        if (heap[0].cancelled) {
          popTop();
          continue;
        }
        if (heap[0].due > now) return undefined;
        return popTop();
      }
      return undefined;
    },
    clear() {
      heap.length = 0;
    },
  };
}
