import { LIMITS } from './fields.ts';
import { MSG } from './messages.ts';
import { isIdBytes, readId, writeId, writeU16 } from './routing-key.ts';
import { ProtocolError } from './wire-errors.ts';

/**
 * SYNC_POSITION_FROM_CLIENT body (client → gate) and one record of SYNC_POSITIONS_FROM_CLIENTS (gate →
 * dispatcher → game): 32 bytes, entityId (16 ASCII) · f32 x · f32 y · f32 z · f32 yaw, little-endian.
 * The gate checks that the entity is the client's own before forwarding (GoWorld did not), then appends
 * the body unchanged as a record, so the dispatcher splits the batch by entity without decoding floats.
 */
export const CLIENT_POSITION_SIZE = 32;

export interface ClientPosition {
  entityId: string;
  x: number;
  y: number;
  z: number;
  yaw: number;
}

/** Client SDK: the whole WebSocket message (u16 type · 32-byte body). */
export function encodeClientPositionMessage(p: ClientPosition): Uint8Array {
  const out = new Uint8Array(2 + CLIENT_POSITION_SIZE);
  writeU16(out, 0, MSG.SYNC_POSITION_FROM_CLIENT.id);
  writeId(out, 2, p.entityId);
  const view = new DataView(out.buffer, 2 + LIMITS.idLength, 16);
  view.setFloat32(0, p.x, true);
  view.setFloat32(4, p.y, true);
  view.setFloat32(8, p.z, true);
  view.setFloat32(12, p.yaw, true);
  return out;
}

function readRecord(body: Uint8Array, at: number): ClientPosition | ProtocolError {
  if (!isIdBytes(body, at)) return new ProtocolError('bad-body', 'client position: malformed entity id');
  const view = new DataView(body.buffer, body.byteOffset + at + LIMITS.idLength, 16);
  const x = view.getFloat32(0, true);
  const y = view.getFloat32(4, true);
  const z = view.getFloat32(8, true);
  const yaw = view.getFloat32(12, true);
  if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z) || !Number.isFinite(yaw)) {
    return new ProtocolError('bad-body', 'client position: non-finite value');
  }
  return { entityId: readId(body, at), x, y, z, yaw };
}

/** Gate side, strict: exactly 32 bytes, a well-formed id, finite numbers. Never throws. */
export function decodeClientPosition(body: Uint8Array): ClientPosition | ProtocolError {
  if (body.length !== CLIENT_POSITION_SIZE) {
    return new ProtocolError('bad-body', `client position: ${body.length} bytes, expected ${CLIENT_POSITION_SIZE}`);
  }
  return readRecord(body, 0);
}

/** Number of records in a SYNC_POSITIONS_FROM_CLIENTS body, or the fault when it is not whole records. */
export function clientPositionRecordCount(body: Uint8Array): number | ProtocolError {
  if (body.length % CLIENT_POSITION_SIZE !== 0) {
    return new ProtocolError('bad-body', 'client positions: body is not a whole number of records');
  }
  return body.length / CLIENT_POSITION_SIZE;
}

/** Game side: record `index` of a SYNC_POSITIONS_FROM_CLIENTS body. */
export function readClientPositionRecord(body: Uint8Array, index: number): ClientPosition | ProtocolError {
  return readRecord(body, index * CLIENT_POSITION_SIZE);
}

/** Concatenates whole 32-byte records into one SYNC_POSITIONS_FROM_CLIENTS body. */
export function concatClientPositions(records: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(records.length * CLIENT_POSITION_SIZE);
  records.forEach((r, i) => out.set(r, i * CLIENT_POSITION_SIZE));
  return out;
}
