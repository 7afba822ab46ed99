import { describe, expect, it } from 'vitest';
import { createHeldPositions } from '../../../../src/roles/gate/held-positions.ts';
import { MSG } from '../../../../src/protocol/messages.ts';
import { decodePositionBatch, encodePositionBatch, positionBatchSize } from '../../../../src/protocol/position-sync.ts';
import { readU16, writeU16 } from '../../../../src/protocol/routing-key.ts';

/** A POSITION_SYNC client message for (handle, x) pairs, as the gate relays it. */
function batch(records: [handle: number, x: number][]): Uint8Array {
  const n = records.length;
  const src = { x: new Float32Array(records.map((r) => r[1])), y: new Float32Array(n), z: new Float32Array(n), yaw: new Float32Array(n) };
  const message = new Uint8Array(2 + positionBatchSize(n));
  writeU16(message, 0, MSG.POSITION_SYNC.id);
  encodePositionBatch(message, 2, src, records.map((_, i) => i), records.map((r) => r[0]), n);
  return message;
}

function decode(message: Uint8Array): Map<number, number> {
  expect(readU16(message, 0)).toBe(MSG.POSITION_SYNC.id);
  const out = new Map<number, number>();
  decodePositionBatch(message.subarray(2), (handle, x) => out.set(handle, x));
  return out;
}

describe('held positions (a slow client)', () => {
  it('keeps the newest position per handle and counts what it superseded', () => {
    const held = createHeldPositions();
    expect(held.hold(batch([[1, 10], [2, 20]]))).toBe(0);
    expect(held.hold(batch([[1, 11]]))).toBe(1);
    expect(held.hold(batch([[1, 12], [3, 30]]))).toBe(1);
    expect(held.size).toBe(3);
    expect(decode(held.take()!)).toEqual(new Map([[1, 12], [2, 20], [3, 30]]));
    expect(held.size).toBe(0);
    expect(held.take()).toBeNull();
  });

  it('forgets a handle whose entity the client is told is gone', () => {
    const held = createHeldPositions();
    held.hold(batch([[1, 10], [2, 20]]));
    expect(held.forget(1)).toBe(true);
    expect(held.forget(1)).toBe(false);
    expect(decode(held.take()!)).toEqual(new Map([[2, 20]]));
  });

  it('requantizes a merged batch that spans more than one batch did, within its step', () => {
    const held = createHeldPositions();
    held.hold(batch([[1, -3000]]));
    held.hold(batch([[2, 3000.5]]));
    const merged = decode(held.take()!);
    expect(merged.get(1)).toBeCloseTo(-3000, 0);
    expect(merged.get(2)).toBeCloseTo(3000.5, 0);
  });
});
