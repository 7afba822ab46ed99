import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { scanMsgpack, type ScanLimits } from '../../../src/protocol/msgpack-scan.ts';
import { createPackr } from '../../../src/protocol/packr.ts';
import { mulberry32 } from '../../../src/testing/prng.ts';

const LIMITS: ScanLimits = { maxDepth: 16, maxElements: 4096 };
const packr = createPackr();
const bytes = (...b: number[]) => new Uint8Array(b);

/** msgpackr's structured clone: each level holds the previous level twice, so 2^levels leaves decode. */
function sharedStructureBomb(levels: number): Uint8Array {
  let node: unknown[] = ['x'];
  for (let i = 0; i < levels; i++) node = [node, node];
  return new Packr({ structuredClone: true }).pack(node);
}

describe('strict msgpack scan', () => {
  it('accepts every value of the dialect as the server packr encodes it', () => {
    const values: unknown[] = [
      null, true, false, 0, 1, -1, 127, 128, -33, 255, 65535, 2 ** 32, -(2 ** 31), Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER, 1.5, -0.25, 1e300, '', 'é', 'x'.repeat(40), 'y'.repeat(300), 'z'.repeat(70_000),
      new Uint8Array([1, 2, 3]), [], [1, [2, [3]]], {}, { a: 1, b: { c: [true, null] } },
      Array.from({ length: 20 }, (_, i) => i), Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])),
    ];
    for (const value of values) expect(scanMsgpack(packr.pack(value), { maxDepth: 16, maxElements: 100_000 }), JSON.stringify(value)).toBeNull();
  });

  it('refuses every extension type, including the structured-clone bomb that took a gate down', () => {
    const bomb = sharedStructureBomb(40);
    expect(bomb.length).toBeLessThan(1024);
    expect(scanMsgpack(bomb, LIMITS)).toBe('extension');
    for (const tag of [0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8]) {
      expect(scanMsgpack(bytes(tag, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), LIMITS)).toBe('extension');
    }
    // A Date (timestamp ext −1) and a BigInt over 64 bits (msgpackr ext 0x42).
    expect(scanMsgpack(new Packr({ useRecords: false }).pack(new Date(0)), LIMITS)).toBe('extension');
    expect(scanMsgpack(new Packr({ useRecords: false, useBigIntExtension: true } as never).pack(2n ** 100n), LIMITS)).toBe('extension');
  });

  it('refuses the server packr decoding the structured-clone extensions too', () => {
    expect(() => packr.unpack(sharedStructureBomb(40))).toThrow(/Structured clone extension is disabled/);
  });

  it('refuses integers a JS number cannot hold exactly, and accepts the edges', () => {
    const u64 = (hi: number, lo: number) => bytes(0xcf, ...[hi >>> 24, hi >>> 16, hi >>> 8, hi, lo >>> 24, lo >>> 16, lo >>> 8, lo].map((b) => b & 0xff));
    const i64 = (hi: number, lo: number) => { const b = u64(hi, lo); b[0] = 0xd3; return b; };
    expect(scanMsgpack(u64(0x1fffff, 0xffffffff), LIMITS)).toBeNull(); // 2^53 − 1
    expect(scanMsgpack(u64(0x200000, 0), LIMITS)).toBe('int-range'); // 2^53
    expect(scanMsgpack(u64(0xffffffff, 0xffffffff), LIMITS)).toBe('int-range');
    expect(scanMsgpack(i64(0xffe00000, 1), LIMITS)).toBeNull(); // −(2^53 − 1)
    expect(scanMsgpack(i64(0xffe00000, 0), LIMITS)).toBe('int-range'); // −2^53
    expect(scanMsgpack(i64(0x80000000, 0), LIMITS)).toBe('int-range');
    expect(scanMsgpack(i64(0xffffffff, 0xffffffff), LIMITS)).toBeNull(); // −1
  });

  it('refuses declared lengths beyond the bytes received without walking them', () => {
    expect(scanMsgpack(bytes(0xdd, 0xff, 0xff, 0xff, 0xff), LIMITS)).toBe('truncated');
    expect(scanMsgpack(bytes(0xdf, 0xff, 0xff, 0xff, 0xff), LIMITS)).toBe('truncated');
    expect(scanMsgpack(bytes(0xdb, 0xff, 0xff, 0xff, 0xff, 0x41), LIMITS)).toBe('truncated');
    expect(scanMsgpack(bytes(0xc6, 0xff, 0xff, 0xff, 0xff), LIMITS)).toBe('truncated');
    expect(scanMsgpack(bytes(0xcb, 0, 0), LIMITS)).toBe('truncated');
  });

  it('bounds depth and element count', () => {
    const deep = new Uint8Array(100_000).fill(0x91);
    expect(scanMsgpack(deep, LIMITS)).toBe('depth');
    let nested: unknown = 1;
    for (let i = 0; i < 16; i++) nested = [nested];
    expect(scanMsgpack(packr.pack(nested), LIMITS)).toBeNull();
    expect(scanMsgpack(packr.pack([nested]), LIMITS)).toBe('depth');
    expect(scanMsgpack(packr.pack(new Array(4096).fill(0)), LIMITS)).toBeNull();
    expect(scanMsgpack(packr.pack(new Array(4097).fill(0)), LIMITS)).toBe('elements');
    expect(scanMsgpack(packr.pack(new Array(100).fill(new Array(50).fill(0))), LIMITS)).toBe('elements');
  });

  it('refuses non-string map keys, the reserved byte and trailing bytes', () => {
    expect(scanMsgpack(bytes(0x81, 0x01, 0x02), LIMITS)).toBe('map-key');
    expect(scanMsgpack(bytes(0x81, 0x90, 0x02), LIMITS)).toBe('map-key');
    expect(scanMsgpack(bytes(0xc1), LIMITS)).toBe('reserved-byte');
    expect(scanMsgpack(bytes(0x01, 0x02), LIMITS)).toBe('trailing-bytes');
    expect(scanMsgpack(bytes(), LIMITS)).toBe('truncated');
  });

  it('never throws on random bytes, and what it accepts msgpackr decodes', () => {
    const random = mulberry32(7);
    for (let i = 0; i < 20_000; i++) {
      const input = new Uint8Array(1 + Math.floor(random() * 40));
      for (let j = 0; j < input.length; j++) input[j] = Math.floor(random() * 256);
      const fault = scanMsgpack(input, LIMITS);
      if (fault === null) expect(() => packr.unpack(input)).not.toThrow();
    }
  });
});
