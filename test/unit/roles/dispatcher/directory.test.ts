import { describe, expect, it } from 'vitest';
import { UNPLACED, createEntityDirectory } from '../../../../src/roles/dispatcher/directory.ts';
import type { PendingLimits } from '../../../../src/roles/dispatcher/pending-budget.ts';
import { createFakeClock } from '../../../../src/testing/fake-clock.ts';

const LIMITS: PendingLimits = { maxPerSender: 3, maxTotal: 5, maxHeldFrames: 8, maxHeldBytes: 100 };
const MAX_HELD = 4;
const id = (n: number): string => `Unknown${String(n).padStart(9, '0')}`;
const body = (bytes: number, fill = 1): Uint8Array => new Uint8Array(bytes).fill(fill);

describe('entity directory: unplaced entries (ids no game announced)', () => {
  it('bounds entries per sending game, then in total, and records nothing it refuses', () => {
    const dir = createEntityDirectory(LIMITS);
    for (let i = 0; i < 3; i++) expect(dir.holdUnplaced(id(i), 1, 10, body(4), 0, MAX_HELD)).toBeNull();
    expect(dir.holdUnplaced(id(3), 1, 10, body(4), 0, MAX_HELD)).toBe('pending-per-sender');
    expect(dir.get(id(3))).toBeUndefined();
    // Another game still has room of its own, up to the shared bound.
    expect(dir.holdUnplaced(id(4), 2, 10, body(4), 0, MAX_HELD)).toBeNull();
    expect(dir.holdUnplaced(id(5), 2, 10, body(4), 0, MAX_HELD)).toBeNull();
    expect(dir.holdUnplaced(id(6), 3, 10, body(4), 0, MAX_HELD)).toBe('pending-total');
    expect(dir.unplaced.entries).toBe(5);
    expect(dir.unplaced.entriesOf(1)).toBe(3);
    expect(dir.unplaced.frames).toBe(5);
    expect(dir.unplaced.bytes).toBe(20);
    expect(dir.get(id(0))).toMatchObject({ gameId: UNPLACED, state: 'pending', sender: 1 });
  });

  it('bounds the frames and bytes held in unplaced entries, and each entity queue', () => {
    const dir = createEntityDirectory(LIMITS);
    expect(dir.holdUnplaced(id(0), 1, 10, body(60), 0, MAX_HELD)).toBeNull();
    expect(dir.holdUnplaced(id(1), 1, 10, body(41), 0, MAX_HELD)).toBe('pending-held-bytes');
    const entry = dir.get(id(0))!;
    expect(dir.hold(entry, 10, body(41), MAX_HELD)).toBe('pending-held-bytes');
    for (let i = 1; i < MAX_HELD; i++) expect(dir.hold(entry, 10, body(1), MAX_HELD)).toBeNull();
    expect(dir.hold(entry, 10, body(1), MAX_HELD)).toBe('held-per-entity');
    // A second entry runs into the shared frame bound: 4 + 4 frames fill it.
    expect(dir.holdUnplaced(id(1), 2, 10, body(1), 0, MAX_HELD)).toBeNull();
    const second = dir.get(id(1))!;
    for (let i = 1; i < MAX_HELD; i++) expect(dir.hold(second, 10, body(1), MAX_HELD)).toBeNull();
    expect(dir.unplaced.frames).toBe(8);
    expect(dir.holdUnplaced(id(2), 2, 10, body(1), 0, MAX_HELD)).toBe('pending-held-frames');
  });

  it('copies held bodies and releases them in order when the entity shows up, freeing the budget', () => {
    const dir = createEntityDirectory(LIMITS);
    const reused = body(2, 7);
    expect(dir.holdUnplaced(id(0), 1, 10, reused, 0, MAX_HELD)).toBeNull();
    reused.fill(8);
    expect(dir.hold(dir.get(id(0))!, 11, reused, MAX_HELD)).toBeNull();
    const released = dir.ready(id(0), 2);
    expect(released.map((f) => [f.type, ...f.body])).toEqual([[10, 7, 7], [11, 8, 8]]);
    expect(dir.get(id(0))).toMatchObject({ gameId: 2, state: 'ready', held: null });
    expect([dir.unplaced.entries, dir.unplaced.frames, dir.unplaced.bytes, dir.unplaced.entriesOf(1)]).toEqual([0, 0, 0, 0]);
  });

  it('takes an entry off the unplaced books once a game is asked for it, keeping its frames', () => {
    const dir = createEntityDirectory(LIMITS);
    expect(dir.holdUnplaced(id(0), 1, 10, body(50), 0, MAX_HELD)).toBeNull();
    const entry = dir.expect(id(0), 3, 5);
    expect(entry).toMatchObject({ gameId: 3, state: 'pending', since: 5 });
    expect(dir.unplaced.entries).toBe(0);
    expect(dir.unplaced.bytes).toBe(0);
    // Placed, it is bounded by its own queue only, not by the unplaced byte bound.
    expect(dir.hold(entry, 10, body(90), MAX_HELD)).toBeNull();
    expect(dir.ready(id(0), 3)).toHaveLength(2);
  });

  it('a known id passed to holdUnplaced is held in its own entry, without a new one', () => {
    const dir = createEntityDirectory(LIMITS);
    dir.expect(id(0), 2, 0);
    expect(dir.holdUnplaced(id(0), 1, 10, body(1), 0, MAX_HELD)).toBeNull();
    expect(dir.unplaced.entries).toBe(0);
    expect(dir.get(id(0))).toMatchObject({ gameId: 2, held: [{ type: 10 }] });
  });

  it('sweeps unplaced entries on their own timeout, oldest first, and pending ones on theirs', () => {
    const clock = createFakeClock(1_000);
    const dir = createEntityDirectory({ ...LIMITS, maxTotal: 100, maxPerSender: 100 });
    dir.holdUnplaced(id(0), 1, 10, body(1), clock.now(), MAX_HELD);
    dir.expect(id(50), 2, clock.now());
    clock.advance(1_000);
    dir.holdUnplaced(id(1), 1, 10, body(1), clock.now(), MAX_HELD);
    dir.holdUnplaced(id(2), 1, 10, body(1), clock.now(), MAX_HELD);
    clock.advance(1_000);
    dir.holdUnplaced(id(3), 1, 10, body(1), clock.now(), MAX_HELD);

    // A 1.5 s unplaced timeout at t = 3000: entries opened before 1500 and at 2000 go, in order.
    expect(dir.sweepUnplaced(clock.now() - 1_500).map((d) => d.entityId)).toEqual([id(0)]);
    expect(dir.sweepUnplaced(clock.now() - 500).map((d) => d.entityId)).toEqual([id(1), id(2)]);
    expect(dir.unplaced.entries).toBe(1);
    expect(dir.get(id(50))).toBeDefined();

    // The pending scan leaves unplaced entries alone, whatever their age.
    clock.advance(60_000);
    const pending = dir.sweepPending(clock.now() - 30_000);
    expect(pending.map((d) => d.entityId)).toEqual([id(50)]);
    expect(dir.get(id(3))).toBeDefined();
    const swept = dir.sweepUnplaced(clock.now() - 5_000);
    expect(swept.map((d) => [d.entityId, d.entry.held?.length])).toEqual([[id(3), 1]]);
    expect([dir.size, dir.unplaced.entries, dir.unplaced.frames, dir.unplaced.bytes]).toEqual([0, 0, 0, 0]);
  });

  it('stays at its bound under a flood of made-up ids, and frees it all when they expire', () => {
    const clock = createFakeClock();
    const limits: PendingLimits = { maxPerSender: 1_000, maxTotal: 1_500, maxHeldFrames: 10_000, maxHeldBytes: 1 << 20 };
    const dir = createEntityDirectory(limits);
    const refusals = new Map<string, number>();
    for (let i = 0; i < 3_000; i++) {
      // Game 1 floods first and meets its own bound; game 2 then meets the shared one.
      const sender = i < 2_000 ? 1 : 2;
      const refused = dir.holdUnplaced(id(i), sender, 10, body(20), clock.now(), MAX_HELD);
      if (refused) refusals.set(refused, (refusals.get(refused) ?? 0) + 1);
      clock.advance(1);
    }
    expect(dir.unplaced.entries).toBe(1_500);
    expect(dir.unplaced.entriesOf(1)).toBe(1_000);
    expect(dir.unplaced.entriesOf(2)).toBe(500);
    expect(Object.fromEntries(refusals)).toEqual({ 'pending-per-sender': 1_000, 'pending-total': 500 });
    dir.sweepUnplaced(clock.now() + 1);
    expect([dir.size, dir.unplaced.entries, dir.unplaced.frames, dir.unplaced.bytes]).toEqual([0, 0, 0, 0]);
  });
});
