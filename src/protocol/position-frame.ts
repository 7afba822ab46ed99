import { MSG } from './messages.ts';
import { POSITION_ENCODE_TOO_MANY, encodePositionBatch, positionBatchSize } from './position-sync.ts';
import type { PositionSource } from './position-sync.ts';
import { KEY_SIZE, writeId, writeU16 } from './routing-key.ts';

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
