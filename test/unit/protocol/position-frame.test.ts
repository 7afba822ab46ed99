import { describe, expect, it } from 'vitest';
import { parseServerMessage, toClientMessageInPlace } from '../../../src/protocol/codec.ts';
import { createFrameBatch } from '../../../src/protocol/frame-batch.ts';
import { createFrameParser } from '../../../src/protocol/frame-parser.ts';
import { MSG } from '../../../src/protocol/messages.ts';
import { writePositionSyncFrame } from '../../../src/protocol/position-frame.ts';
import { POSITION_ENCODE_TOO_MANY, decodePositionBatch } from '../../../src/protocol/position-sync.ts';
import { readGateClientKey, readGateKey } from '../../../src/protocol/routing-key.ts';
import { ProtocolError } from '../../../src/protocol/wire-errors.ts';

const CLIENT = 'Zyxwvutsrqpon_.9';

describe('POSITION_SYNC frame written in place', () => {
  it('goes game → gate → client: key for the gate, batch for the client', () => {
    const src = {
      x: Float32Array.from([0, 10, 20]),
      y: Float32Array.from([0, 1, 2]),
      z: Float32Array.from([0, -5, 5]),
      yaw: Float32Array.from([0, Math.PI, 1]),
    };
    const batch = createFrameBatch({ initialCapacity: 16 });
    batch.append(MSG.DEPLOYMENT_READY.id, new Uint8Array(0));
    expect(writePositionSyncFrame(batch, 7, CLIENT, src, [2, 1], [40, 41], 2)).toBe(18 + 15 + 18);
    const frames: Array<[number, Uint8Array]> = [];
    createFrameParser({ onFrame: (t, b) => frames.push([t, b.slice()]) }).push(batch.takeBytes());
    expect(frames.map(([t]) => t)).toEqual([MSG.DEPLOYMENT_READY.id, MSG.POSITION_SYNC.id]);
    const body = frames[1][1];
    expect(readGateKey(body)).toBe(7);
    expect(readGateClientKey(body)).toBe(CLIENT);
    const message = parseServerMessage(toClientMessageInPlace(MSG.POSITION_SYNC.id, body));
    if (message instanceof ProtocolError) throw message;
    const got: number[][] = [];
    decodePositionBatch(message.body, (h, x, y, z) => got.push([h, x, y, z]));
    expect(got).toEqual([
      [40, 20, 2, 5],
      [41, 10, 1, -5],
    ]);
  });

  it('refuses more records than a u16 count and appends nothing', () => {
    const batch = createFrameBatch();
    const src = { x: new Float32Array(1), y: new Float32Array(1), z: new Float32Array(1), yaw: new Float32Array(1) };
    expect(writePositionSyncFrame(batch, 1, CLIENT, src, [], [], 70000)).toBe(POSITION_ENCODE_TOO_MANY);
    expect(batch.length).toBe(0);
  });
});
