import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../../src/observability/index.ts';
import { createGameOverload } from '../../../../src/roles/game/game-overload.ts';
import type { Link } from '../../../../src/transport/index.ts';
import { createCaptureLog } from '../../../support/capture-log.ts';

/** What the overload bookkeeping reads of a link: its backlog and its degraded flag. */
function fakeLink(): Link & { degraded: boolean; pendingBytes: number } {
  return { degraded: false, pendingBytes: 0, batchedBytes: 0 } as unknown as Link & { degraded: boolean; pendingBytes: number };
}

const sample = (text: string, name: string) => new RegExp(`^${name}\\{[^}]*\\} ([\\d.e+-]+)$`, 'm').exec(text)?.[1];

describe('game overload', () => {
  it('reports overloaded only once a dispatcher link stayed degraded for refuseAfterMs, and counts each period', async () => {
    let now = 0;
    const log = createCaptureLog();
    const metrics = createMetrics({ role: 'game', id: 1, processMetrics: false });
    const overload = createGameOverload({ log, metrics, now: () => now, refuseAfterMs: 5000, dispatchers: 1 });
    const link = fakeLink();
    overload.track(0, link);
    const { onPressure } = overload.linkOptions(0);

    link.pendingBytes = 9 * 1024 * 1024;
    link.degraded = true;
    onPressure!(link, true);
    expect(sample(await metrics.text(), 'tsworld_link_degraded')).toBe('1');
    expect(sample(await metrics.text(), 'tsworld_link_backlog_bytes')).toBe(String(9 * 1024 * 1024));
    now = 4999;
    expect(overload.overloaded()).toBe(false);
    now = 5000;
    expect(overload.overloaded()).toBe(true);
    expect(overload.overloaded()).toBe(true);

    now = 7500;
    link.degraded = false;
    link.pendingBytes = 0;
    onPressure!(link, false);
    expect(overload.overloaded()).toBe(false);
    const text = await metrics.text();
    expect(sample(text, 'tsworld_link_degraded')).toBe('0');
    expect(sample(text, 'tsworld_link_degraded_total')).toBe('1');
    expect(sample(text, 'tsworld_link_degraded_seconds_total')).toBe('7.5');
    // One line when refusing starts and one when it ends, plus the link's own degraded/recovered lines.
    expect(log.lines.filter((l) => /overloaded/.test(l.message)).map((l) => l.level)).toEqual(['warn', 'info']);
    expect(log.lines.filter((l) => /^link (degraded|recovered)/.test(l.message))).toHaveLength(2);

    // A closed link no longer counts, nor shows in the gauges.
    link.degraded = true;
    onPressure!(link, true);
    overload.untrack(0);
    now = 20_000;
    expect(overload.overloaded()).toBe(false);
    expect(sample(await metrics.text(), 'tsworld_link_degraded')).toBeUndefined();
  });

  it("marks a gate degraded only on the word of the dispatcher that carries that gate's client traffic", () => {
    const overload = createGameOverload({ log: createCaptureLog(), now: () => 0, refuseAfterMs: 5000, dispatchers: 2 });
    // Gate 1's traffic goes through dispatcher 1, gate 2's through dispatcher 2 ((gateId - 1) % 2).
    overload.gatePressure(2, 1, true);
    expect(overload.gateDegraded(1)).toBe(false);
    overload.gatePressure(1, 1, true);
    overload.gatePressure(2, 2, true);
    expect([overload.gateDegraded(1), overload.gateDegraded(2), overload.gateDegraded(3)]).toEqual([true, true, false]);
    overload.gatePressure(1, 1, false);
    expect(overload.gateDegraded(1)).toBe(false);
  });
});
