import { describe, expect, it } from 'vitest';
import { createAckGate } from '../../../../src/roles/game/ack-gate.ts';
import type { Link } from '../../../../src/transport/index.ts';

/** A link that records what it was told was processed. */
function fakeLink(): Link & { upTo: number[] } {
  const upTo: number[] = [];
  return { upTo, processedUpTo: (n: number) => void upTo.push(n) } as unknown as Link & { upTo: number[] };
}

describe('the ack gate', () => {
  it('acknowledges an applied frame at once when nothing holds it', () => {
    const gate = createAckGate({ maxHoldMs: 1000, now: () => 0, onExpired: () => undefined });
    const link = fakeLink();
    gate.apply({ link, seq: 1 }, () => undefined, undefined);
    gate.apply({ link, seq: 2 }, () => undefined, undefined);
    expect(link.upTo).toEqual([1, 2]);
  });

  it('holds a frame whose handler started a save, and the frames after it, until the save is done', () => {
    const gate = createAckGate({ maxHoldMs: 1000, now: () => 0, onExpired: () => undefined });
    const link = fakeLink();
    let release: () => void = () => undefined;
    gate.apply({ link, seq: 1 }, () => void (release = gate.hold()), undefined);
    gate.apply({ link, seq: 2 }, () => undefined, undefined);
    expect(link.upTo).toEqual([]);
    release();
    release(); // twice is once
    expect(link.upTo).toEqual([2]);
  });

  it('keeps links apart, and a hold outside any frame holds nothing', () => {
    const gate = createAckGate({ maxHoldMs: 1000, now: () => 0, onExpired: () => undefined });
    const a = fakeLink();
    const b = fakeLink();
    gate.hold()();
    gate.apply({ link: a, seq: 5 }, () => void gate.hold(), undefined);
    gate.apply({ link: b, seq: 7 }, () => undefined, undefined);
    expect(a.upTo).toEqual([]);
    expect(b.upTo).toEqual([7]);
  });

  it('acknowledges past maxHoldMs anyway, and counts it', () => {
    let now = 0;
    const expired: number[] = [];
    const gate = createAckGate({ maxHoldMs: 1000, now: () => now, onExpired: (n) => void expired.push(n) });
    const link = fakeLink();
    gate.apply({ link, seq: 3 }, () => void gate.hold(), undefined);
    now = 500;
    gate.apply({ link, seq: 4 }, () => undefined, undefined);
    gate.sweep(900);
    expect(link.upTo).toEqual([]);
    gate.sweep(1000);
    expect(link.upTo).toEqual([4]);
    expect(expired).toEqual([1]);
  });

  it('still acknowledges a frame whose handler threw', () => {
    const gate = createAckGate({ maxHoldMs: 1000, now: () => 0, onExpired: () => undefined });
    const link = fakeLink();
    expect(() => gate.apply({ link, seq: 1 }, () => { throw new Error('boom'); }, undefined)).toThrow('boom');
    gate.apply({ link, seq: 2 }, () => undefined, undefined);
    expect(link.upTo).toEqual([2]);
  });
});
