import { LIMITS } from './fields.ts';
import { MSG } from './messages.ts';
import { POSITION_ENCODE_TOO_MANY, POSITION_HEADER_SIZE, encodePositionBatch, positionBatchSize } from './position-sync.ts';
import type { PositionSource } from './position-sync.ts';
import { KEY_SIZE, isIdBytes, readU16, writeId, writeU16 } from './routing-key.ts';
import { ProtocolError } from './wire-errors.ts';

/** Something that can hand out room for a frame and take it back (a Link or a FrameBatch). */
export interface ReservingSink {
  reserve(type: number, maxBodyLength: number): { buffer: Uint8Array; offset: number };
  commit(bodyLength: number): void;
}

const MAX_RECORDS = 0xffff;

/**
 * Game side: appends one POSITION_SYNC frame for one client (gateId · clientId key, then the quantized
 * batch) straight into the link's batch, with no intermediate buffer. Returns the body length, or
 * POSITION_ENCODE_TOO_MANY (nothing appended) when `count` exceeds a u16: split the batch.
 */
export function writePositionSyncFrame(
  sink: ReservingSink,
  gateId: number,
  clientId: string,
  src: PositionSource,
  eids: ArrayLike<number>,
  handles: ArrayLike<number>,
  count: number,
): number {
  if (count > MAX_RECORDS) return POSITION_ENCODE_TOO_MANY;
  const key = KEY_SIZE.gateClient;
  const bodyLength = key + positionBatchSize(count);
  const { buffer, offset } = sink.reserve(MSG.POSITION_SYNC.id, bodyLength);
  writeU16(buffer, offset, gateId);
  writeId(buffer, offset + 2, clientId);
  // The reservation is exactly the batch size, so the encoder cannot run out of room here.
  encodePositionBatch(buffer, offset + key, src, eids, handles, count);
  sink.commit(bodyLength);
  return bodyLength;
}

/** Clients named in one POSITION_SYNC_SHARED frame; more are split over several frames of the same batch. */
export const SHARED_MAX_CLIENTS = 1024;
const SHARED_HEAD = KEY_SIZE.gate + 2;

/**
 * Game side: one POSITION_SYNC_SHARED frame per SHARED_MAX_CLIENTS clients of one gate, each carrying
 * the same encoded batch (a whole POSITION_SYNC body): gateId u16 · count u16 · count client ids · batch.
 * The gate sends the batch's bytes as they are to each client named.
 */
export function writeSharedPositionFrames(sink: ReservingSink, gateId: number, clientIds: readonly string[], batch: Uint8Array): void {
  for (let from = 0; from < clientIds.length; from += SHARED_MAX_CLIENTS) {
    const count = Math.min(SHARED_MAX_CLIENTS, clientIds.length - from);
    const bodyLength = SHARED_HEAD + count * LIMITS.idLength + batch.length;
    const { buffer, offset } = sink.reserve(MSG.POSITION_SYNC_SHARED.id, bodyLength);
    writeU16(buffer, offset, gateId);
    writeU16(buffer, offset + 2, count);
    for (let i = 0; i < count; i++) writeId(buffer, offset + SHARED_HEAD + i * LIMITS.idLength, clientIds[from + i]!);
    buffer.set(batch, offset + SHARED_HEAD + count * LIMITS.idLength);
    sink.commit(bodyLength);
  }
}

/** A POSITION_SYNC_SHARED body, checked: the client ids' offset and count, and the batch (a view into `body`). */
export interface SharedPositionFrame {
  readonly count: number;
  readonly idsOffset: number;
  readonly batch: Uint8Array;
}

/** Gate side: checks the body's lengths (ids, and the batch against its own record count) before any work. */
export function readSharedPositionFrame(body: Uint8Array): SharedPositionFrame | ProtocolError {
  if (body.length < SHARED_HEAD) return new ProtocolError('bad-body', 'POSITION_SYNC_SHARED: shorter than its header');
  const count = readU16(body, 2);
  const batchAt = SHARED_HEAD + count * LIMITS.idLength;
  if (body.length < batchAt + POSITION_HEADER_SIZE) return new ProtocolError('bad-body', `POSITION_SYNC_SHARED: too short for ${count} client ids and a batch`);
  const batch = body.subarray(batchAt);
  if (batch.length !== positionBatchSize(readU16(batch, 0))) return new ProtocolError('bad-body', 'POSITION_SYNC_SHARED: batch length does not match its record count');
  for (let i = 0; i < count; i++) {
    if (!isIdBytes(body, SHARED_HEAD + i * LIMITS.idLength)) return new ProtocolError('bad-body', 'POSITION_SYNC_SHARED: malformed client id');
  }
  return { count, idsOffset: SHARED_HEAD, batch };
}
