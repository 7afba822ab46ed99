import { ProtocolError } from './wire-errors.ts';

/**
 * POSITION_SYNC body (server → client), raw little-endian, laid out straight from the typed arrays:
 *
 *   header (15 bytes): u16 count · i8 stepLog2 · f32 originX · f32 originY · f32 originZ
 *   record (9 bytes):  u16 handle · i16 qx · i16 qy · i16 qz · u8 yaw
 *
 *   x = originX + qx · 2^stepLog2     yaw = yaw8 · 2π / 256   (radians, in [0, 2π))
 *
 * The origin is the centre of the batch's bounding box. The step is 2^minStepLog2 (default 1/16 unit,
 * so a coordinate is off by at most 1/32) as long as every entity of the batch lies within
 * 32767 · step of the centre (±2047.9 units at 1/16); a wider batch doubles the step until it fits, so
 * precision degrades gracefully instead of wrapping. Yaw is off by at most π/256 (0.7°).
 * Non-finite coordinates are excluded from the bounds and sent as the origin.
 */
export const POSITION_HEADER_SIZE = 15;
export const POSITION_RECORD_SIZE = 9;
export const DEFAULT_MIN_STEP_LOG2 = -4;
const MAX_COUNT = 0xffff;
const Q_MAX = 32767;
const TWO_PI = Math.PI * 2;
/**
 * 2^k for every k in [-128, 128], exact, at POW2[k + 128]. Read from a table on purpose: V8 schedules a
 * pure `2 ** k` next to its use, so a step computed once before a record loop became one pow() call per
 * record (60% of a client's batch decode, and its time swung 3x between runs). A load stays put.
 */
const POW2 = Float64Array.from({ length: 257 }, (_, i) => 2 ** (i - 128));

/** Structure-of-arrays positions indexed by eid (the engine's Position/Yaw components). */
export interface PositionSource {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly z: Float32Array;
  readonly yaw: Float32Array;
}

export function positionBatchSize(count: number): number {
  return POSITION_HEADER_SIZE + POSITION_RECORD_SIZE * count;
}

/** Returned by the encoder when `out` is too small or the count exceeds a u16 (hot path: no throw). */
export const POSITION_ENCODE_NO_ROOM = -1;
export const POSITION_ENCODE_TOO_MANY = -2;

function quantizeYaw(yaw: number): number {
  return Math.round((yaw * 256) / TWO_PI) & 0xff;
}

/**
 * Writes one batch for `count` entities: record i is entity `eids[i]` under client handle `handles[i]`.
 * Returns the bytes written, or a negative POSITION_ENCODE_* code.
 */
export function encodePositionBatch(
  out: Uint8Array,
  offset: number,
  src: PositionSource,
  eids: ArrayLike<number>,
  handles: ArrayLike<number>,
  count: number,
  minStepLog2: number = DEFAULT_MIN_STEP_LOG2,
): number {
  if (count > MAX_COUNT) return POSITION_ENCODE_TOO_MANY;
  const size = positionBatchSize(count);
  if (offset + size > out.length) return POSITION_ENCODE_NO_ROOM;
  const { x, y, z, yaw } = src;

  let minX = Infinity, minY = Infinity, minZ = Infinity;
  let maxX = -Infinity, maxY = -Infinity, maxZ = -Infinity;
  for (let i = 0; i < count; i++) {
    const e = eids[i];
    const px = x[e], py = y[e], pz = z[e];
    if (px < minX) minX = px;
    if (px > maxX) maxX = px;
    if (py < minY) minY = py;
    if (py > maxY) maxY = py;
    if (pz < minZ) minZ = pz;
    if (pz > maxZ) maxZ = pz;
  }
  // fround: the origin travels as f32, so quantize against exactly the value the client will add back.
  const ox = minX <= maxX ? Math.fround((minX + maxX) / 2) : 0;
  const oy = minY <= maxY ? Math.fround((minY + maxY) / 2) : 0;
  const oz = minZ <= maxZ ? Math.fround((minZ + maxZ) / 2) : 0;
  const half = Math.max(
    minX <= maxX ? Math.max(maxX - ox, ox - minX) : 0,
    minY <= maxY ? Math.max(maxY - oy, oy - minY) : 0,
    minZ <= maxZ ? Math.max(maxZ - oz, oz - minZ) : 0,
  );
  let stepLog2 = minStepLog2;
  while (half / POW2[stepLog2 + 128] > Q_MAX && stepLog2 < 127) stepLog2++;
  const inv = POW2[128 - stepLog2];

  const view = new DataView(out.buffer, out.byteOffset + offset, size);
  view.setUint16(0, count, true);
  view.setInt8(2, stepLog2);
  view.setFloat32(3, ox, true);
  view.setFloat32(7, oy, true);
  view.setFloat32(11, oz, true);
  let at = POSITION_HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    const e = eids[i];
    view.setUint16(at, handles[i], true);
    // NaN becomes 0 in setInt16: a non-finite coordinate is sent as the origin.
    view.setInt16(at + 2, Math.round((x[e] - ox) * inv), true);
    view.setInt16(at + 4, Math.round((y[e] - oy) * inv), true);
    view.setInt16(at + 6, Math.round((z[e] - oz) * inv), true);
    view.setUint8(at + 8, quantizeYaw(yaw[e]));
    at += POSITION_RECORD_SIZE;
  }
  return size;
}

export type PositionVisitor = (handle: number, x: number, y: number, z: number, yaw: number) => void;

/** Client side: validates the batch and calls `visit` per record. Returns the count or the fault. */
export function decodePositionBatch(body: Uint8Array, visit: PositionVisitor): number | ProtocolError {
  if (body.length < POSITION_HEADER_SIZE) return new ProtocolError('bad-body', 'position batch: short header');
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  const count = view.getUint16(0, true);
  if (body.length !== positionBatchSize(count)) {
    return new ProtocolError('bad-body', `position batch: ${body.length} bytes for ${count} records`);
  }
  const step = POW2[view.getInt8(2) + 128];
  const ox = view.getFloat32(3, true);
  const oy = view.getFloat32(7, true);
  const oz = view.getFloat32(11, true);
  if (!Number.isFinite(ox) || !Number.isFinite(oy) || !Number.isFinite(oz)) {
    return new ProtocolError('bad-body', 'position batch: non-finite origin');
  }
  let at = POSITION_HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    visit(
      view.getUint16(at, true),
      ox + view.getInt16(at + 2, true) * step,
      oy + view.getInt16(at + 4, true) * step,
      oz + view.getInt16(at + 6, true) * step,
      (view.getUint8(at + 8) * TWO_PI) / 256,
    );
    at += POSITION_RECORD_SIZE;
  }
  return count;
}
