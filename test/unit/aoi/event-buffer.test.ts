import { describe, expect, it } from 'vitest';
import { AoiEventBuffer } from '../../../src/aoi/event-buffer.ts';

describe('AoiEventBuffer', () => {
  it('keeps every pair across growth and resets counts without reallocating', () => {
    const ev = new AoiEventBuffer();
    for (let i = 0; i < 1000; i++) {
      ev.pushEnter(i, i + 1);
      ev.pushLeave(i + 2, i);
    }
    expect(ev.enterCount).toBe(1000);
    expect(ev.leaveCount).toBe(1000);
    expect(ev.enterWatcher[999]).toBe(999);
    expect(ev.enterTarget[0]).toBe(1);
    expect(ev.leaveWatcher[500]).toBe(502);
    const arrays = ev.enterWatcher;
    ev.reset();
    expect(ev.enterCount + ev.leaveCount).toBe(0);
    ev.pushEnter(7, 8);
    expect(ev.enterWatcher).toBe(arrays);
  });

  it('reserve grows to at least the requested size and keeps counted pairs', () => {
    const ev = new AoiEventBuffer();
    ev.pushEnter(1, 2);
    ev.reserve(5000, 3000);
    expect(ev.enterWatcher.length).toBeGreaterThanOrEqual(5000);
    expect(ev.leaveTarget.length).toBeGreaterThanOrEqual(3000);
    expect([ev.enterWatcher[0], ev.enterTarget[0]]).toEqual([1, 2]);
  });
});
