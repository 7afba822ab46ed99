import { describe, expect, it } from 'vitest';
import { createFrameBatch } from '../../../src/protocol/frame-batch.ts';
import { createFrameParser } from '../../../src/protocol/frame-parser.ts';

function parseAll(bytes: Uint8Array): Array<[number, number[]]> {
  const out: Array<[number, number[]]> = [];
  const error = createFrameParser({ onFrame: (t, b) => out.push([t, Array.from(b)]) }).push(bytes);
  expect(error).toBeNull();
  return out;
}

describe('frame batch', () => {
  it('grows past its initial capacity and keeps frames in order', () => {
    const batch = createFrameBatch({ initialCapacity: 16 });
    const want: Array<[number, number[]]> = [];
    for (let i = 0; i < 200; i++) {
      const body = Array.from({ length: i % 17 }, (_, j) => (i + j) & 0xff);
      batch.append(i + 1, Uint8Array.from(body));
      want.push([i + 1, body]);
    }
    expect(batch.frames).toBe(200);
    expect(parseAll(batch.takeBytes())).toEqual(want);
    expect(batch.length).toBe(0);
  });

  it('writes head and tail as one body', () => {
    const batch = createFrameBatch();
    batch.sendParts(10, Uint8Array.from([1, 2]), Uint8Array.from([3]));
    expect(parseAll(batch.takeBytes())).toEqual([[10, [1, 2, 3]]]);
  });

  it('reserve + commit writes a frame in place with its final length', () => {
    const batch = createFrameBatch({ initialCapacity: 8 });
    batch.append(1, Uint8Array.from([7]));
    const { buffer, offset } = batch.reserve(1004, 100);
    buffer[offset] = 42;
    buffer[offset + 1] = 43;
    batch.commit(2);
    batch.append(2, Uint8Array.from([8]));
    expect(parseAll(batch.takeBytes())).toEqual([[1, [7]], [1004, [42, 43]], [2, [8]]]);
  });

  it('refuses to append while a reserved frame is open', () => {
    const batch = createFrameBatch();
    batch.reserve(1, 4);
    expect(() => batch.append(2, new Uint8Array(1))).toThrow(/not committed/);
  });

  it('does not overwrite bytes handed out by takeBytes until they are recycled', () => {
    const batch = createFrameBatch({ initialCapacity: 64 });
    batch.append(1, Uint8Array.from([1, 1, 1]));
    const first = batch.takeBytes();
    const snapshot = first.slice();
    batch.append(2, Uint8Array.from([2, 2, 2]));
    expect(first).toEqual(snapshot);
    const second = batch.takeBytes();
    expect(second.buffer).not.toBe(first.buffer);
    batch.recycle(first);
    batch.append(3, Uint8Array.from([3]));
    expect(parseAll(batch.takeBytes())).toEqual([[3, [3]]]);
  });
});
