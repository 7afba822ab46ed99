import { describe, expect, it } from 'vitest';
import { createLinkPositions } from '../../../../src/roles/gate/link-positions.ts';
import { clientPositionRecordCount, readClientPositionRecord } from '../../../../src/protocol/client-position.ts';
import { writeId } from '../../../../src/protocol/routing-key.ts';

const A = 'EntityA000000001';
const B = 'EntityB000000001';

/** One 32-byte record: entity id, then x (the rest zero). */
function record(entityId: string, x: number): Uint8Array {
  const r = new Uint8Array(32);
  writeId(r, 0, entityId);
  new DataView(r.buffer).setFloat32(16, x, true);
  return r;
}

function decode(batch: Uint8Array | null): [string, number][] {
  if (!batch) return [];
  const n = clientPositionRecordCount(batch) as number;
  return Array.from({ length: n }, (_, i) => {
    const p = readClientPositionRecord(batch, i) as { entityId: string; x: number };
    return [p.entityId, p.x];
  });
}

describe('client positions towards one dispatcher', () => {
  it('sends every record of the turn as one batch while the link is fine', () => {
    const p = createLinkPositions(200);
    p.push(record(A, 1));
    p.push(record(A, 2));
    p.push(record(B, 3));
    const taken = p.take(false, 0, false);
    expect(decode(taken.batch)).toEqual([[A, 1], [A, 2], [B, 3]]);
    expect(taken).toMatchObject({ coalesced: 0, waiting: false });
    expect(p.take(false, 1, false).batch).toBeNull();
  });

  it('coalesces to the newest record per entity and sends at most once per interval while degraded', () => {
    const p = createLinkPositions(200);
    p.push(record(A, 1));
    expect(decode(p.take(true, 0, false).batch)).toEqual([[A, 1]]);
    p.push(record(A, 2));
    p.push(record(B, 5));
    expect(p.take(true, 50, false)).toMatchObject({ batch: null, coalesced: 0, waiting: true });
    p.push(record(A, 3));
    expect(p.take(true, 100, false)).toMatchObject({ batch: null, coalesced: 1, waiting: true });
    const due = p.take(true, 200, false);
    expect(decode(due.batch)).toEqual([[A, 3], [B, 5]]);
    expect(due.waiting).toBe(false);
    // Recovered: what is still held goes out at once, with the turn's records merged in.
    p.push(record(B, 6));
    expect(p.take(true, 250, false).waiting).toBe(true);
    p.push(record(A, 4));
    expect(decode(p.take(false, 260, false).batch)).toEqual([[B, 6], [A, 4]]);
  });

  it('holds positions alone for the flush interval, and sends them at once with other traffic', () => {
    const p = createLinkPositions(200, 4);
    p.push(record(A, 1));
    expect(decode(p.take(false, 0, false).batch)).toEqual([[A, 1]]);
    p.push(record(B, 2));
    expect(p.take(false, 1, false)).toMatchObject({ batch: null, waiting: true, retryInMs: 3 });
    p.push(record(A, 3));
    // Nothing is coalesced: every record the clients sent goes, in order.
    expect(decode(p.take(false, 4, false).batch)).toEqual([[B, 2], [A, 3]]);
    p.push(record(A, 5));
    expect(decode(p.take(false, 5, true).batch)).toEqual([[A, 5]]);
  });
});
