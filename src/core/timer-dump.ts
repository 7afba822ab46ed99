import type { TimerRecord } from './timer-queue.ts';
import { cloneValue } from './value-types.ts';
import type { TimerDump } from './world-dump.ts';

/**
 * A live timer as a snapshot or a migration carries it: the time left rather than the due time, so it
 * resumes where it was whatever the receiving process's clock says, and its arguments copied.
 */
export function timerDump(t: TimerRecord, now: number): TimerDump {
  return {
    id: t.id,
    method: t.method,
    args: cloneValue([...t.args]),
    remaining: Math.max(0, t.due - now),
    interval: t.interval,
    ...(t.cron === undefined ? {} : { cron: t.cron }),
  };
}
