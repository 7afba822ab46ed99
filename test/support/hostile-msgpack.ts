import { Packr } from 'msgpackr';
import { randInt } from '../../src/testing/prng.ts';

/**
 * Hand-built msgpack for edge tests: every size form of every header (including ones no encoder would
 * pick), values outside the protocol's dialect, and bombs. Bytes are built here rather than with the
 * process's Packr, which refuses to write most of them.
 */

export type Rand = () => number;
export type Bytes = Uint8Array;

export function concat(...parts: (Bytes | readonly number[])[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Big-endian unsigned (msgpack's byte order), 1, 2 or 4 bytes. */
export function be(n: number, size: 1 | 2 | 4): number[] {
  const out: number[] = [];
  for (let i = size - 1; i >= 0; i--) out.push(Math.floor(n / 2 ** (8 * i)) & 0xff);
  return out;
}

type Form = 'fix' | 8 | 16 | 32;

function smallest(n: number, fixMax: number): Form {
  if (n <= fixMax) return 'fix';
  if (n <= 0xff) return 8;
  return n <= 0xffff ? 16 : 32;
}

/** Array header for `n` items; `form` forces a size form (msgpack has no array8, so 8 means 16). */
export function arrayHeader(n: number, form: Form = smallest(n, 15)): number[] {
  if (form === 'fix') return [0x90 | n];
  return form === 32 ? [0xdd, ...be(n, 4)] : [0xdc, ...be(n, 2)];
}

export function mapHeader(n: number, form: Form = smallest(n, 15)): number[] {
  if (form === 'fix') return [0x80 | n];
  return form === 32 ? [0xdf, ...be(n, 4)] : [0xde, ...be(n, 2)];
}

export function strHeader(length: number, form: Form = smallest(length, 31)): number[] {
  if (form === 'fix') return [0xa0 | length];
  if (form === 8) return [0xd9, length];
  return form === 16 ? [0xda, ...be(length, 2)] : [0xdb, ...be(length, 4)];
}

export function binHeader(length: number, form: Exclude<Form, 'fix'> = smallest(length, -1) as 8 | 16 | 32): number[] {
  if (form === 8) return [0xc4, length];
  return form === 16 ? [0xc5, ...be(length, 2)] : [0xc6, ...be(length, 4)];
}

const utf8 = new TextEncoder();

export function str(s: string, form?: Form): Bytes {
  const bytes = utf8.encode(s);
  return concat(strHeader(bytes.length, form), bytes);
}

/** A str header over arbitrary bytes (e.g. invalid UTF-8). */
export function rawStr(bytes: readonly number[] | Bytes, form?: Form): Bytes {
  return concat(strHeader(bytes.length, form), bytes);
}

export function uint64(n: bigint): Bytes {
  const out = new Uint8Array(9);
  out[0] = 0xcf;
  new DataView(out.buffer).setBigUint64(1, BigInt.asUintN(64, n));
  return out;
}

export function int64(n: bigint): Bytes {
  const out = new Uint8Array(9);
  out[0] = 0xd3;
  new DataView(out.buffer).setBigInt64(1, BigInt.asIntN(64, n));
  return out;
}

export function f64(n: number): Bytes {
  const out = new Uint8Array(9);
  out[0] = 0xcb;
  new DataView(out.buffer).setFloat64(1, n);
  return out;
}

export function f32(n: number): Bytes {
  const out = new Uint8Array(5);
  out[0] = 0xca;
  new DataView(out.buffer).setFloat32(1, n);
  return out;
}

/** An extension value: fixext for 1/2/4/8/16 data bytes, else ext8/16/32 (or the forced form). */
export function ext(type: number, data: readonly number[] | Bytes, form?: 8 | 16 | 32): Bytes {
  const t = type & 0xff;
  const fix: Record<number, number> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 };
  if (form === undefined && fix[data.length] !== undefined) return concat([fix[data.length], t], data);
  const f = form ?? (data.length <= 0xff ? 8 : data.length <= 0xffff ? 16 : 32);
  const head = f === 8 ? [0xc7, data.length] : f === 16 ? [0xc8, ...be(data.length, 2)] : [0xc9, ...be(data.length, 4)];
  return concat(head, [t], data);
}

/** `depth` nested one-item arrays around nil: 0x91 × depth · 0xc0. */
export function nestedArrays(depth: number, open = 0x91): Bytes {
  const out = new Uint8Array(depth + 1).fill(open);
  out[depth] = 0xc0;
  return out;
}

/**
 * msgpackr's structured-clone "shared structure" bomb, written by msgpackr itself: a DAG where each
 * level is an array holding the previous level twice, so `levels` levels take ~13 bytes each on the wire
 * (id/pointer extensions 0x69/0x70) but 2^levels nodes once anything walks it as a tree.
 */
export function structuredCloneBomb(levels = 32): Bytes {
  let level: unknown[] = [];
  for (let i = 0; i < levels; i++) level = [level, level];
  return new Packr({ structuredClone: true, useRecords: false }).pack(level);
}

/** msgpackr's record extension (0x72): a structure definition inline, then a record using it. */
export function recordsValue(): Bytes {
  return new Packr({ useRecords: true }).pack([{ a: 1, b: 2 }, { a: 3, b: 4 }]);
}

/** A named hostile value: one msgpack value (or deliberately broken bytes) to put where a value goes. */
export interface Hostile {
  readonly name: string;
  readonly bytes: Bytes;
}

const INVALID_UTF8: readonly (readonly number[])[] = [
  [0xff, 0xfe, 0xfd],
  [0xc0, 0xaf], // overlong '/'
  [0xed, 0xa0, 0x80], // lone surrogate
  [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
  [0xe2, 0x82], // truncated sequence
  [0x61, 0x00, 0x62], // embedded NUL (valid UTF-8, hostile to C strings)
];

/**
 * The catalogue: every kind of value the gate must refuse or pass safely. `maxPayload` bounds the
 * large ones so they still reach the decoders instead of the size check.
 */
export function hostileValues(maxPayload: number): Hostile[] {
  const big = maxPayload - 256;
  const list: Hostile[] = [
    { name: 'uint64 2^53', bytes: uint64(2n ** 53n) },
    { name: 'uint64 2^53-1', bytes: uint64(2n ** 53n - 1n) },
    { name: 'uint64 2^64-1', bytes: uint64(2n ** 64n - 1n) },
    { name: 'int64 -2^63', bytes: int64(-(2n ** 63n)) },
    { name: 'int64 -2^53', bytes: int64(-(2n ** 53n)) },
    { name: 'uint32 max', bytes: new Uint8Array([0xce, 0xff, 0xff, 0xff, 0xff]) },
    { name: 'int8 as uint8 form', bytes: new Uint8Array([0xcc, 0x05]) },
    { name: 'f64 NaN', bytes: f64(NaN) },
    { name: 'f64 +Inf', bytes: f64(Infinity) },
    { name: 'f64 -Inf', bytes: f64(-Infinity) },
    { name: 'f64 -0', bytes: f64(-0) },
    { name: 'f64 max', bytes: f64(Number.MAX_VALUE) },
    { name: 'f32 NaN', bytes: f32(NaN) },
    { name: 'f32 denormal', bytes: new Uint8Array([0xca, 0x00, 0x00, 0x00, 0x01]) },
    { name: 'map int key', bytes: new Uint8Array([0x81, 0x01, 0x02]) },
    { name: 'map nil key', bytes: new Uint8Array([0x81, 0xc0, 0x02]) },
    { name: 'map array key', bytes: new Uint8Array([0x81, 0x91, 0x01, 0x02]) },
    { name: 'map bin key', bytes: new Uint8Array([0x81, 0xc4, 0x01, 0x61, 0x02]) },
    { name: 'map __proto__', bytes: concat([0x81], str('__proto__'), [0x81], str('polluted'), [0xc3]) },
    { name: 'map constructor.prototype', bytes: concat([0x81], str('constructor'), [0x81], str('prototype'), [0x81], str('x'), [0x01]) },
    { name: 'map duplicate keys', bytes: concat([0x82], str('a'), [0x01], str('a'), [0x02]) },
    { name: 'map empty key', bytes: concat([0x81], str(''), [0x01]) },
    ...INVALID_UTF8.map((b, i) => ({ name: `invalid utf-8 #${i}`, bytes: rawStr(b) })),
    { name: 'invalid utf-8 map key', bytes: concat([0x81], rawStr([0xff, 0xfe]), [0x01]) },
    { name: 'str 4097 chars', bytes: str('x'.repeat(4097)) },
    { name: 'str 4096 astral chars', bytes: str('\u{1F600}'.repeat(4096)) },
    { name: 'str8 form of a short string', bytes: str('a', 8) },
    { name: 'str32 form of a short string', bytes: str('a', 32) },
    { name: 'array 4097 nils', bytes: concat(arrayHeader(4097), new Uint8Array(4097).fill(0xc0)) },
    { name: 'map 2049 entries', bytes: concat(mapHeader(2049), ...Array.from({ length: 2049 }, (_, i) => concat(str(`k${i}`), [0xc0]))) },
    { name: 'array32 form of 1 item', bytes: concat(arrayHeader(1, 32), [0x01]) },
    { name: 'bin 0', bytes: new Uint8Array([0xc4, 0x00]) },
    { name: 'bin big', bytes: concat(binHeader(big - 16), new Uint8Array(big - 16)) },
    { name: 'nested 16', bytes: nestedArrays(16) },
    { name: 'nested 17', bytes: nestedArrays(17) },
    { name: 'nested 65', bytes: nestedArrays(65) },
    { name: 'nested maps 100', bytes: concat(...Array.from({ length: 100 }, () => concat([0x81], str('a'))), [0xc0]) },
    { name: 'nested 100k arrays', bytes: nestedArrays(Math.min(100_000, big)) },
    { name: 'nested 30k arrays (array16 form)', bytes: concat(...Array.from({ length: Math.min(30_000, Math.floor(big / 3)) }, () => [0xdc, 0x00, 0x01]), [0xc0]) },
    { name: 'array32 declares 2^32-1', bytes: concat(arrayHeader(0xffffffff, 32), [0xc0, 0xc0]) },
    { name: 'map32 declares 2^32-1', bytes: concat(mapHeader(0xffffffff, 32), str('a'), [0xc0]) },
    { name: 'str32 declares 2^32-1', bytes: concat(strHeader(0xffffffff, 32), [0x61, 0x62]) },
    { name: 'bin32 declares 2^32-1', bytes: concat(binHeader(0xffffffff, 32), [0x00]) },
    { name: 'array16 declares 65535', bytes: concat(arrayHeader(0xffff, 16), [0xc0]) },
    { name: 'ext32 declares 2^32-1', bytes: concat([0xc9], be(0xffffffff, 4), [0x01, 0x00]) },
    { name: 'fixext1', bytes: ext(0x01, [0x00]) },
    { name: 'fixext16', bytes: ext(0x05, new Uint8Array(16)) },
    { name: 'ext8', bytes: ext(0x10, [1, 2, 3], 8) },
    { name: 'ext16', bytes: ext(0x10, [1, 2, 3], 16) },
    { name: 'ext32', bytes: ext(0x10, [1, 2, 3], 32) },
    { name: 'timestamp32 ext -1', bytes: ext(-1, [0, 0, 0, 0]) },
    { name: 'timestamp64 ext -1', bytes: ext(-1, new Uint8Array(8).fill(0xff)) },
    { name: 'timestamp96 ext -1', bytes: ext(-1, new Uint8Array(12).fill(0xff), 8) },
    { name: 'bigint ext 0x42', bytes: ext(0x42, [0x40, 0, 0, 0, 0, 0, 0, 0, 0]) },
    { name: 'bigint ext 0x42 huge', bytes: ext(0x42, new Uint8Array(Math.min(60_000, big)).fill(0x7f)) },
    { name: 'records ext 0x72', bytes: recordsValue() },
    { name: 'record definition alone', bytes: ext(0x72, [0x40]) },
    { name: 'structured-clone id 0x69', bytes: ext(0x69, [0, 0, 0, 1]) },
    { name: 'structured-clone pointer 0x70', bytes: ext(0x70, [0, 0, 0, 1]) },
    { name: 'structured-clone cycle', bytes: new Packr({ structuredClone: true, useRecords: false }).pack((() => { const a: unknown[] = []; a.push(a); return a; })()) },
    { name: 'structured-clone bomb', bytes: structuredCloneBomb(32) },
    { name: 'set ext 0x73', bytes: new Packr({ moreTypes: true, useRecords: false }).pack(new Set([1, 2])) },
    { name: 'error ext 0x65', bytes: new Packr({ moreTypes: true, useRecords: false }).pack(new Error('x')) },
    { name: 'regexp ext 0x78', bytes: new Packr({ moreTypes: true, useRecords: false }).pack(/(a+)+$/) },
    { name: 'typed array ext 0x74', bytes: new Packr({ moreTypes: true, useRecords: false }).pack(new Float64Array([1, 2])) },
    { name: 'reserved 0xc1', bytes: new Uint8Array([0xc1]) },
    { name: 'truncated str', bytes: new Uint8Array([0xa5, 0x61, 0x62]) },
    { name: 'truncated uint64', bytes: new Uint8Array([0xcf, 0x00, 0x01]) },
    { name: 'truncated map', bytes: new Uint8Array([0x82, 0xa1, 0x61]) },
    { name: 'empty', bytes: new Uint8Array(0) },
  ];
  return list.filter((h) => h.bytes.length <= maxPayload - 64);
}

/** A random, well-formed msgpack value in the dialect (string keys, safe ints, no ext), any size form. */
export function randomValue(rand: Rand, depth = 0): Bytes {
  const pick = randInt(rand, 0, depth > 3 ? 7 : 10);
  switch (pick) {
    case 0: return new Uint8Array([0xc0]);
    case 1: return new Uint8Array([rand() < 0.5 ? 0xc2 : 0xc3]);
    case 2: return new Uint8Array([randInt(rand, 0, 0x7f)]);
    case 3: return new Uint8Array([randInt(rand, 0xe0, 0xff)]);
    case 4: {
      const size = [1, 2, 4][randInt(rand, 0, 2)] as 1 | 2 | 4;
      const tag = { 1: 0xcc, 2: 0xcd, 4: 0xce }[size];
      return concat([rand() < 0.5 ? tag : tag + 4], be(randInt(rand, 0, 2 ** (8 * size) - 1), size));
    }
    case 5: return rand() < 0.5 ? f64((rand() - 0.5) * 1e12) : f32((rand() - 0.5) * 1e6);
    case 6: return str(randomText(rand, randInt(rand, 0, 40)), (['fix', 8, 16, 32] as const)[randInt(rand, 0, 3)]);
    case 7: return randomBin(rand);
    case 8:
    case 9: {
      const n = randInt(rand, 0, 5);
      return concat(arrayHeader(n), ...Array.from({ length: n }, () => randomValue(rand, depth + 1)));
    }
    default: {
      const n = randInt(rand, 0, 4);
      return concat(mapHeader(n), ...Array.from({ length: n }, () => concat(str(randomText(rand, randInt(rand, 0, 8))), randomValue(rand, depth + 1))));
    }
  }
}

function randomBin(rand: Rand): Bytes {
  const data = randomBytes(rand, randInt(rand, 0, 24));
  return concat(binHeader(data.length), data);
}

export function randomBytes(rand: Rand, n: number): Bytes {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = randInt(rand, 0, 255);
  return out;
}

const ALPHABET = 'abcXYZ019_-/ é€\u{1F600}\u0000\u202e';

export function randomText(rand: Rand, n: number): string {
  const chars = [...ALPHABET];
  let s = '';
  for (let i = 0; i < n; i++) s += chars[randInt(rand, 0, chars.length - 1)];
  return s;
}

/**
 * One random mutation of `bytes`: bit flips, byte insert/delete, overwrite, a splice of a random msgpack
 * value (or a hostile one), truncation or extension. Never returns the input array itself.
 */
export function mutate(rand: Rand, bytes: Bytes, hostile: readonly Hostile[]): { bytes: Bytes; how: string } {
  const at = (extra = 0) => randInt(rand, 0, bytes.length + extra - 1 < 0 ? 0 : bytes.length + extra - 1);
  switch (randInt(rand, 0, 7)) {
    case 0: {
      const out = bytes.slice();
      const flips = randInt(rand, 1, 8);
      for (let i = 0; i < flips && out.length > 0; i++) out[at()] ^= 1 << randInt(rand, 0, 7);
      return { bytes: out, how: `flip ${flips} bit(s)` };
    }
    case 1: {
      const p = at(1);
      return { bytes: concat(bytes.subarray(0, p), randomBytes(rand, randInt(rand, 1, 8)), bytes.subarray(p)), how: `insert at ${p}` };
    }
    case 2: {
      const p = at();
      const n = randInt(rand, 1, 4);
      return { bytes: concat(bytes.subarray(0, p), bytes.subarray(p + n)), how: `delete ${n} at ${p}` };
    }
    case 3: {
      const out = bytes.slice();
      const p = at();
      if (out.length > 0) out[p] = [0x00, 0x7f, 0x80, 0xc1, 0xdd, 0xdf, 0xff, 0xc9][randInt(rand, 0, 7)];
      return { bytes: out, how: `overwrite at ${p}` };
    }
    case 4: {
      const p = at(1);
      const cut = randInt(rand, 0, 8);
      const value = rand() < 0.5 ? randomValue(rand) : hostile[randInt(rand, 0, hostile.length - 1)].bytes;
      return { bytes: concat(bytes.subarray(0, p), value, bytes.subarray(p + cut)), how: `splice ${value.length} B at ${p}` };
    }
    case 5: {
      const n = randInt(rand, 0, Math.max(0, bytes.length - 1));
      return { bytes: bytes.slice(0, n), how: `truncate to ${n}` };
    }
    case 6: {
      const tail = rand() < 0.5 ? randomBytes(rand, randInt(rand, 1, 64)) : randomValue(rand);
      return { bytes: concat(bytes, tail), how: `extend by ${tail.length}` };
    }
    default: {
      const p = at();
      const n = randInt(rand, 1, 16);
      return { bytes: concat(bytes.subarray(0, p + n), bytes.subarray(p)), how: `duplicate ${n} at ${p}` };
    }
  }
}
