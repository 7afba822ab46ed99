import { describe, expect, it } from 'vitest';
import { createLogThrottle } from '../../../src/observability/log-throttle.ts';
import { createFakeClock } from '../../../src/testing/fake-clock.ts';
import { createCaptureLog } from '../../support/capture-log.ts';

describe('log throttle', () => {
  it('logs the first event of a key at once, counts the rest of the interval, and says how many on the next line', () => {
    const clock = createFakeClock(0);
    const log = createCaptureLog();
    const throttle = createLogThrottle({ log, now: clock.now, intervalMs: 1000 });
    for (let i = 0; i < 50; i++) throttle.log('error', 'tick', { i }, 'system failed');
    throttle.log('warn', 'other', {}, 'another kind');
    clock.advance(1000);
    throttle.log('error', 'tick', { i: 50 }, 'system failed');
    const lines = log.lines.map((l) => [l.message, l.fields.i, l.fields.suppressed]);
    expect(lines).toEqual([
      ['system failed', 0, undefined],
      ['another kind', undefined, undefined],
      ['system failed', 50, 49],
    ]);
  });
});
