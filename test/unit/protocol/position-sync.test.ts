import { describe, expect, it } from 'vitest';
import {
  POSITION_ENCODE_NO_ROOM,
  POSITION_ENCODE_TOO_MANY,
  POSITION_HEADER_SIZE,
  POSITION_RECORD_SIZE,
  decodePositionBatch,
  encodePositionBatch,
  positionBatchSize,
} from '../../../src/protocol/position-sync.ts';
import type { PositionSource } from '../../../src/protocol/position-sync.ts';
import { ProtocolError } from '../../../src/protocol/wire-errors.ts';

function source(n: number): PositionSource {
  return { x: new Float32Array(n), y: new Float32Array(n), z: new Float32Array(n), yaw: new Float32Array(n) };
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function angleDiff(a: number, b: number): number {
  const d = Math.abs(a - b) % (2 * Math.PI);
  return Math.min(d, 2 * Math.PI - d);
}

function roundTrip(src: PositionSource, eids: number[], handles: number[]) {
  const out = new Uint8Array(positionBatchSize(eids.length) + 3);
  const written = encodePositionBatch(out, 3, src, eids, handles, eids.length);
  expect(written).toBe(positionBatchSize(eids.length));
  const body = out.subarray(3, 3 + written);
  const got: Array<[number, number, number, number, number]> = [];
  const count = decodePositionBatch(body, (h, x, y, z, yaw) => got.push([h, x, y, z, yaw]));
  expect(count).toBe(eids.length);
  const stepLog2 = new DataView(body.buffer, body.byteOffset).getInt8(2);
  return { got, step: 2 ** stepLog2 };
}

describe('position sync batch', () => {
  it('costs 9 bytes per entity plus a 15-byte header', () => {
    expect(POSITION_RECORD_SIZE).toBe(9);
    expect(positionBatchSize(100)).toBe(POSITION_HEADER_SIZE + 900);
  });

  it('round-trips a view-sized batch within 1/32 unit and π/256 of yaw', () => {
    const rand = lcg(7);
    const src = source(5000);
    const eids: number[] = [];
    const handles: number[] = [];
    const cx = 4000 * rand(), cz = 4000 * rand();
    for (let i = 0; i < 300; i++) {
      const e = Math.floor(rand() * 5000);
      src.x[e] = cx + (rand() - 0.5) * 400;
      src.y[e] = (rand() - 0.5) * 20;
      src.z[e] = cz + (rand() - 0.5) * 400;
      src.yaw[e] = (rand() - 0.5) * 20;
      eids.push(e);
      handles.push(i * 7 + 1);
    }
    const { got, step } = roundTrip(src, eids, handles);
    expect(step).toBe(1 / 16);
    got.forEach(([h, x, y, z, yaw], i) => {
      const e = eids[i];
      expect(h).toBe(handles[i]);
      expect(Math.abs(x - src.x[e])).toBeLessThanOrEqual(1 / 32 + 1e-9);
      expect(Math.abs(y - src.y[e])).toBeLessThanOrEqual(1 / 32 + 1e-9);
      expect(Math.abs(z - src.z[e])).toBeLessThanOrEqual(1 / 32 + 1e-9);
      expect(yaw).toBeGreaterThanOrEqual(0);
      expect(yaw).toBeLessThan(2 * Math.PI);
      expect(angleDiff(yaw, src.yaw[e])).toBeLessThanOrEqual(Math.PI / 256 + 1e-6);
    });
  });

  it('coarsens the step for a batch wider than ±2048 units and stays within half a step', () => {
    const src = source(3);
    src.x.set([-9000, 9000, 1.3]);
    src.z.set([5, -7, 20000]);
    const { got, step } = roundTrip(src, [0, 1, 2], [0, 1, 2]);
    expect(step).toBeGreaterThan(1 / 16);
    got.forEach(([, x, , z], e) => {
      expect(Math.abs(x - src.x[e])).toBeLessThanOrEqual(step / 2);
      expect(Math.abs(z - src.z[e])).toBeLessThanOrEqual(step / 2);
    });
  });

  it('encodes an empty batch and sends non-finite coordinates as the origin', () => {
    expect(roundTrip(source(1), [], []).got).toEqual([]);
    const src = source(2);
    src.x.set([NaN, 10]);
    const { got } = roundTrip(src, [0, 1], [5, 6]);
    expect(got[0][1]).toBe(10);
    expect(got[1][1]).toBe(10);
  });

  it('returns codes instead of throwing when there is no room or too many records', () => {
    const src = source(2);
    expect(encodePositionBatch(new Uint8Array(20), 0, src, [0, 1], [0, 1], 2)).toBe(POSITION_ENCODE_NO_ROOM);
    expect(encodePositionBatch(new Uint8Array(10), 0, src, [], [], 70000)).toBe(POSITION_ENCODE_TOO_MANY);
  });

  it('refuses malformed batches with a typed error', () => {
    const visit = () => undefined;
    expect(decodePositionBatch(new Uint8Array(5), visit)).toBeInstanceOf(ProtocolError);
    const body = new Uint8Array(positionBatchSize(2));
    new DataView(body.buffer).setUint16(0, 3, true);
    expect(decodePositionBatch(body, visit)).toBeInstanceOf(ProtocolError);
    new DataView(body.buffer).setUint16(0, 2, true);
    new DataView(body.buffer).setFloat32(3, NaN, true);
    expect(decodePositionBatch(body, visit)).toBeInstanceOf(ProtocolError);
  });

  it('decodes every step the header can carry, 2^-128 to 2^127, exactly', () => {
    const body = new Uint8Array(positionBatchSize(1));
    const view = new DataView(body.buffer);
    view.setUint16(0, 1, true);
    view.setFloat32(3, 0.5, true);
    view.setInt16(POSITION_HEADER_SIZE + 2, -3, true);
    for (let k = -128; k <= 127; k++) {
      view.setInt8(2, k);
      let x = Number.NaN;
      expect(decodePositionBatch(body, (_h, gx) => (x = gx))).toBe(1);
      expect(x).toBe(0.5 + -3 * Math.pow(2, k));
    }
  });

  it('encodes with the step its header names, at the widest float32 spread too', () => {
    const src = source(2);
    src.x[0] = -3e38;
    src.x[1] = 3e38;
    const { got, step } = roundTrip(src, [0, 1], [7, 8]);
    // The finest power of two that puts ±3e38 within ±32767 steps of the origin (0): 2^113.
    expect(step).toBe(2 ** 113);
    expect(3e38 / step).toBeLessThanOrEqual(32767);
    expect(3e38 / (step / 2)).toBeGreaterThan(32767);
    expect(Math.abs(got[0][1] - src.x[0])).toBeLessThanOrEqual(step / 2);
    expect(Math.abs(got[1][1] - src.x[1])).toBeLessThanOrEqual(step / 2);
  });
});
