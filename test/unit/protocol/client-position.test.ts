import { describe, expect, it } from 'vitest';
import {
  CLIENT_POSITION_SIZE,
  clientPositionRecordCount,
  decodeClientPosition,
  encodeClientPositionMessage,
  readClientPositionRecord,
} from '../../../src/protocol/client-position.ts';
import { parseClientMessage } from '../../../src/protocol/codec.ts';
import { MSG } from '../../../src/protocol/messages.ts';
import { ProtocolError } from '../../../src/protocol/wire-errors.ts';

const P = { entityId: 'AbCdEfGhIjKlMn01', x: 1.5, y: -2.25, z: 1000.125, yaw: 3 };

describe('client position', () => {
  it('round-trips through a client message', () => {
    const parsed = parseClientMessage(encodeClientPositionMessage(P));
    if (parsed instanceof ProtocolError) throw parsed;
    expect(parsed.spec).toBe(MSG.SYNC_POSITION_FROM_CLIENT);
    expect(parsed.body.length).toBe(CLIENT_POSITION_SIZE);
    expect(decodeClientPosition(parsed.body)).toEqual(P);
  });

  it('is strict: wrong size, bad id, non-finite numbers', () => {
    const body = encodeClientPositionMessage(P).slice(2);
    expect(decodeClientPosition(body.subarray(0, 31))).toBeInstanceOf(ProtocolError);
    const badId = body.slice();
    badId[3] = 0x20;
    expect(decodeClientPosition(badId)).toBeInstanceOf(ProtocolError);
    const nan = body.slice();
    new DataView(nan.buffer).setFloat32(20, NaN, true);
    expect(decodeClientPosition(nan)).toBeInstanceOf(ProtocolError);
  });

  it('reads records of a concatenated gate batch', () => {
    const a = encodeClientPositionMessage(P).slice(2);
    const b = encodeClientPositionMessage({ ...P, entityId: 'ZZZZZZZZZZZZZZZZ', x: 9 }).slice(2);
    const batch = Uint8Array.from([...a, ...b]);
    expect(clientPositionRecordCount(batch)).toBe(2);
    expect(readClientPositionRecord(batch, 1)).toEqual({ ...P, entityId: 'ZZZZZZZZZZZZZZZZ', x: 9 });
    expect(clientPositionRecordCount(batch.subarray(1))).toBeInstanceOf(ProtocolError);
  });
});
