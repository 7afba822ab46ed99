/**
 * A strict, allocation-free walk over msgpack bytes, run on everything a client sends before any decoder
 * sees it. It reads each byte at most once, so a refusal costs no more than the bytes received, and it
 * accepts only the protocol's dialect:
 * - nil, bool, int, float, str, bin, array, map: plain msgpack 2.0;
 * - map keys are strings (decoded values are plain objects);
 * - integers fit a JS number exactly (|n| ≤ 2^53 − 1), so nothing decodes to a rounded or BigInt value;
 * - no extension types at all: msgpackr's structured-clone extensions (0x69 id / 0x70 pointer) let a few
 *   bytes describe an exponentially large shared graph, and its records, Set, Map, Error, RegExp, typed
 *   array and BigInt extensions are state and types a client has no business creating on the server;
 * - bounded nesting depth and element count (array items plus map keys and values).
 *
 * Declared lengths are checked against the bytes left before anything else, so "array of 4 billion
 * items" in five bytes is refused at once.
 */

export interface ScanLimits {
  /** Deepest nesting of arrays and maps; a scalar at the top is depth 0. */
  readonly maxDepth: number;
  /** Most array items plus map keys and values in the whole value. */
  readonly maxElements: number;
}

/**
 * Why a walk stopped:
 * - `truncated`, `reserved-byte`, `trailing-bytes`: not msgpack (no conforming encoder writes these);
 * - `extension`, `int-range`, `map-key`: msgpack, but outside the dialect;
 * - `depth`, `elements`: over a limit.
 */
export type ScanFault =
  | 'truncated'
  | 'reserved-byte'
  | 'trailing-bytes'
  | 'extension'
  | 'int-range'
  | 'map-key'
  | 'depth'
  | 'elements';

export const SCAN_FAULT_TEXT: Readonly<Record<ScanFault, string>> = {
  truncated: 'msgpack value truncated',
  'reserved-byte': 'msgpack byte 0xc1 is never used',
  'trailing-bytes': 'bytes after the msgpack value',
  extension: 'msgpack extension types are not accepted',
  'int-range': 'integer outside ±(2^53 − 1)',
  'map-key': 'map keys must be strings',
  depth: 'nested too deeply',
  elements: 'too many elements',
};

/** True for faults where the bytes are not msgpack at all (a broken client), not a refused value. */
export function isMalformed(fault: ScanFault): boolean {
  return fault === 'truncated' || fault === 'reserved-byte' || fault === 'trailing-bytes';
}

/** Mutable cursor of one walk; a fresh one per message (no shared state between callers). */
export interface Scan {
  readonly bytes: Uint8Array;
  readonly limits: ScanLimits;
  /** Elements seen so far (against limits.maxElements). */
  elements: number;
  fault: ScanFault | null;
}

export function startScan(bytes: Uint8Array, limits: ScanLimits): Scan {
  return { bytes, limits, elements: 0, fault: null };
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function fail(scan: Scan, fault: ScanFault): number {
  scan.fault = fault;
  return -1;
}

function uint(bytes: Uint8Array, at: number, size: 1 | 2 | 4): number {
  if (size === 1) return bytes[at];
  if (size === 2) return (bytes[at] << 8) | bytes[at + 1];
  return ((bytes[at] << 24) >>> 0) + ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
}

/** A sized payload (str, bin) of `size`-byte length at `at`: returns the offset after it. */
function skipSized(scan: Scan, at: number, size: 1 | 2 | 4): number {
  const end = scan.bytes.length;
  if (at + size > end) return fail(scan, 'truncated');
  const length = uint(scan.bytes, at, size);
  const next = at + size + length;
  return next > end ? fail(scan, 'truncated') : next;
}

/** 64-bit integers: refused unless exact in a JS number (rare on the wire, so BigInt here is fine). */
function skipInt64(scan: Scan, at: number, signed: boolean): number {
  const bytes = scan.bytes;
  if (at + 8 > bytes.length) return fail(scan, 'truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, 8);
  const value = signed ? view.getBigInt64(0) : view.getBigUint64(0);
  return value > MAX_SAFE || value < -MAX_SAFE ? fail(scan, 'int-range') : at + 8;
}

/**
 * Walks the `count` items of an array (or 2·count keys and values of a map) starting at `at`.
 * Each item takes at least one byte, so a count over the bytes left is refused before the walk.
 */
function skipItems(scan: Scan, at: number, count: number, depth: number, isMap: boolean): number {
  const items = isMap ? count * 2 : count;
  if (depth > scan.limits.maxDepth) return fail(scan, 'depth');
  if (items > scan.bytes.length - at) return fail(scan, 'truncated');
  scan.elements += items;
  if (scan.elements > scan.limits.maxElements) return fail(scan, 'elements');
  let p = at;
  for (let i = 0; i < count; i++) {
    if (isMap && !isStringAt(scan.bytes, p)) return fail(scan, p < scan.bytes.length ? 'map-key' : 'truncated');
    p = skipValue(scan, p, depth);
    if (p < 0) return -1;
    if (isMap) {
      p = skipValue(scan, p, depth);
      if (p < 0) return -1;
    }
  }
  return p;
}

function isStringAt(bytes: Uint8Array, at: number): boolean {
  const b = bytes[at];
  return (b >= 0xa0 && b <= 0xbf) || b === 0xd9 || b === 0xda || b === 0xdb;
}

/** Skips one value whose first byte is at `at`, nested `depth` levels deep; returns the next offset or −1. */
export function skipValue(scan: Scan, at: number, depth: number): number {
  const bytes = scan.bytes;
  if (at >= bytes.length) return fail(scan, 'truncated');
  const b = bytes[at];
  if (b <= 0x7f || b >= 0xe0) return at + 1; // fixint
  if (b <= 0x8f) return skipItems(scan, at + 1, b & 0x0f, depth + 1, true);
  if (b <= 0x9f) return skipItems(scan, at + 1, b & 0x0f, depth + 1, false);
  if (b <= 0xbf) {
    const next = at + 1 + (b & 0x1f);
    return next > bytes.length ? fail(scan, 'truncated') : next;
  }
  return skipTagged(scan, at, b, depth);
}

/** The 0xc0–0xdf formats: one tag byte, then a fixed size or a length. */
function skipTagged(scan: Scan, at: number, b: number, depth: number): number {
  const fixed = (size: number) => (at + 1 + size > scan.bytes.length ? fail(scan, 'truncated') : at + 1 + size);
  const counted = (size: 2 | 4, isMap: boolean) => {
    if (at + 1 + size > scan.bytes.length) return fail(scan, 'truncated');
    return skipItems(scan, at + 1 + size, uint(scan.bytes, at + 1, size), depth + 1, isMap);
  };
  switch (b) {
    case 0xc0: case 0xc2: case 0xc3: return at + 1;
    case 0xc1: return fail(scan, 'reserved-byte');
    case 0xc4: case 0xd9: return skipSized(scan, at + 1, 1);
    case 0xc5: case 0xda: return skipSized(scan, at + 1, 2);
    case 0xc6: case 0xdb: return skipSized(scan, at + 1, 4);
    case 0xca: return fixed(4);
    case 0xcb: return fixed(8);
    case 0xcc: case 0xd0: return fixed(1);
    case 0xcd: case 0xd1: return fixed(2);
    case 0xce: case 0xd2: return fixed(4);
    case 0xcf: return skipInt64(scan, at + 1, false);
    case 0xd3: return skipInt64(scan, at + 1, true);
    case 0xdc: return counted(2, false);
    case 0xdd: return counted(4, false);
    case 0xde: return counted(2, true);
    case 0xdf: return counted(4, true);
    default: return fail(scan, 'extension'); // 0xc7–0xc9 ext 8/16/32, 0xd4–0xd8 fixext
  }
}

/**
 * Checks that `bytes` is exactly one msgpack value in the dialect and within `limits`. Returns null when
 * it is, else the fault.
 */
export function scanMsgpack(bytes: Uint8Array, limits: ScanLimits): ScanFault | null {
  const scan = startScan(bytes, limits);
  const end = skipValue(scan, 0, 0);
  if (end < 0) return scan.fault;
  return end === bytes.length ? null : 'trailing-bytes';
}

/**
 * Reads an array header at `at`: returns its item count and the offset of the first item, or null when
 * the byte there is not an array (or is truncated). For callers that check a fixed outer shape.
 */
export function readArrayHeader(bytes: Uint8Array, at: number): { count: number; next: number } | null {
  const b = bytes[at];
  if (b >= 0x90 && b <= 0x9f) return { count: b & 0x0f, next: at + 1 };
  if (b === 0xdc && at + 3 <= bytes.length) return { count: uint(bytes, at + 1, 2), next: at + 3 };
  if (b === 0xdd && at + 5 <= bytes.length) return { count: uint(bytes, at + 1, 4), next: at + 5 };
  return null;
}

/** Reads a str header at `at`: its byte length and the offset of its first byte, or null. */
export function readStrHeader(bytes: Uint8Array, at: number): { length: number; next: number } | null {
  const b = bytes[at];
  let length: number;
  let next: number;
  if (b >= 0xa0 && b <= 0xbf) [length, next] = [b & 0x1f, at + 1];
  else if (b === 0xd9 && at + 2 <= bytes.length) [length, next] = [bytes[at + 1], at + 2];
  else if (b === 0xda && at + 3 <= bytes.length) [length, next] = [uint(bytes, at + 1, 2), at + 3];
  else if (b === 0xdb && at + 5 <= bytes.length) [length, next] = [uint(bytes, at + 1, 4), at + 5];
  else return null;
  return next + length <= bytes.length ? { length, next } : null;
}
