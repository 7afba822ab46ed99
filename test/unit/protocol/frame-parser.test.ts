import { describe, expect, it } from 'vitest';
import { createFrameBatch } from '../../../src/protocol/frame-batch.ts';
import { createFrameParser } from '../../../src/protocol/frame-parser.ts';
import { ProtocolError } from '../../../src/protocol/wire-errors.ts';

interface Seen {
  type: number;
  body: number[];
}

function frames(list: Array<[number, number[]]>): Uint8Array {
  const batch = createFrameBatch({ initialCapacity: 8 });
  for (const [type, body] of list) batch.append(type, Uint8Array.from(body));
  return batch.takeBytes().slice();
}

function collector(maxFrameSize?: number) {
  const seen: Seen[] = [];
  const parser = createFrameParser({
    maxFrameSize,
    onFrame: (type, body) => seen.push({ type, body: Array.from(body) }),
  });
  return { seen, parser };
}

const sample: Array<[number, number[]]> = [
  [1, []],
  [1000, [1, 2, 3]],
  [65535, Array.from({ length: 300 }, (_, i) => i & 0xff)],
  [2002, [9]],
];
const expected = sample.map(([type, body]) => ({ type, body }));

describe('frame parser', () => {
  it('delivers many frames from one chunk in order', () => {
    const { seen, parser } = collector();
    expect(parser.push(frames(sample))).toBeNull();
    expect(seen).toEqual(expected);
    expect(parser.buffered).toBe(0);
  });

  it('reassembles frames fed one byte at a time', () => {
    const { seen, parser } = collector();
    const bytes = frames(sample);
    for (let i = 0; i < bytes.length; i++) expect(parser.push(bytes.subarray(i, i + 1))).toBeNull();
    expect(seen).toEqual(expected);
    expect(parser.buffered).toBe(0);
  });

  it('reassembles at every split point of a two-chunk delivery', () => {
    const bytes = frames(sample);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { seen, parser } = collector();
      expect(parser.push(bytes.subarray(0, cut))).toBeNull();
      expect(parser.push(bytes.subarray(cut))).toBeNull();
      expect(seen).toEqual(expected);
    }
  });

  it('keeps an incomplete tail until the rest arrives', () => {
    const { seen, parser } = collector();
    const bytes = frames([[7, [1, 2, 3, 4, 5]]]);
    parser.push(bytes.subarray(0, 8));
    expect(seen).toEqual([]);
    expect(parser.buffered).toBe(8);
    parser.push(bytes.subarray(8));
    expect(seen).toEqual([{ type: 7, body: [1, 2, 3, 4, 5] }]);
  });

  it('refuses a frame over the size limit with a typed error, once its header is seen', () => {
    const { seen, parser } = collector(100);
    const ok = frames([[5, [1]]]);
    const big = frames([[6, Array.from({ length: 99 }, () => 0)]]);
    const error = parser.push(Uint8Array.from([...ok, ...big.subarray(0, 4)]));
    expect(seen).toEqual([{ type: 5, body: [1] }]);
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error?.fault).toBe('frame-too-large');
    expect(error?.code).toBe('PROTOCOL_VIOLATION');
    // The parser stays dead: nothing after a fault is read.
    expect(parser.push(ok)?.fault).toBe('frame-too-large');
    expect(seen.length).toBe(1);
  });

  it('accepts a frame exactly at the size limit', () => {
    const { seen, parser } = collector(100);
    expect(parser.push(frames([[6, Array.from({ length: 98 }, () => 1)]]))).toBeNull();
    expect(seen[0].body.length).toBe(98);
  });

  it.each([0, 1])('refuses a length of %i (shorter than the type) as malformed', (length) => {
    const { seen, parser } = collector();
    const error = parser.push(Uint8Array.from([length, 0, 0, 0, 1, 0]));
    expect(error?.fault).toBe('frame-malformed');
    expect(seen).toEqual([]);
  });

  it('detects a malformed length split across chunks', () => {
    const { parser } = collector(1000);
    expect(parser.push(Uint8Array.from([0xff, 0xff]))).toBeNull();
    expect(parser.push(Uint8Array.from([0xff, 0xff, 0, 0]))?.fault).toBe('frame-too-large');
  });

  it('stops mid-chunk when the handler stops it', () => {
    const seen: number[] = [];
    const parser = createFrameParser({
      onFrame: (type) => {
        seen.push(type);
        parser.stop();
      },
    });
    expect(parser.push(frames(sample))).toBeNull();
    expect(seen).toEqual([1]);
  });

  it('hands out views of the chunk for whole frames (no copy)', () => {
    const bytes = frames([[3, [1, 2, 3]]]);
    let body: Uint8Array | null = null;
    createFrameParser({ onFrame: (_t, b) => (body = b) }).push(bytes);
    expect(body!.buffer).toBe(bytes.buffer);
  });
});
