import { LIMITS } from './fields.ts';
import { MSG } from './messages.ts';
import { KEY_SIZE } from './routing-key.ts';

/*
 * Reads the leading fields of a structured body (a msgpack array, fields.ts) without decoding it: the gate
 * learns which entity its client plays from CREATE/DESTROY_ENTITY_ON_CLIENT, which with AOI arrive for
 * every entity entering or leaving every view. Decoding each whole (its attribute map included) to read
 * two leading fields was 6% of a gate's samples at 1000 clients with AOI (benchmarks/peers/profile-peer.ts).
 *
 * Every function answers -1 (or UNKNOWN) where the bytes are not the plain encoding createPackr writes
 * (fixarray or array16, fixstr/str8/str16, a bool byte); the caller then decodes as before, so a peek
 * never decides on bytes it did not understand.
 */

/** A peeked bool that was not a msgpack bool at the expected place. */
export const UNKNOWN = -1;

/** Offset of the first element of the msgpack array at `at` holding `count` elements, or -1. */
export function tupleStart(b: Uint8Array, at: number, count: number): number {
  if (at >= b.length) return -1;
  const head = b[at];
  if (count < 16 && head === (0x90 | count)) return at + 1;
  if (head === 0xdc && at + 2 < b.length && ((b[at + 1] << 8) | b[at + 2]) === count) return at + 3;
  return -1;
}

/** Offset just past the msgpack string at `at`, or -1 (not a string, or it runs past the end). */
export function skipString(b: Uint8Array, at: number): number {
  if (at < 0 || at >= b.length) return -1;
  const head = b[at];
  let start: number;
  let length: number;
  if ((head & 0xe0) === 0xa0) {
    start = at + 1;
    length = head & 0x1f;
  } else if (head === 0xd9 && at + 1 < b.length) {
    start = at + 2;
    length = b[at + 1];
  } else if (head === 0xda && at + 2 < b.length) {
    start = at + 3;
    length = (b[at + 1] << 8) | b[at + 2];
  } else {
    return -1;
  }
  return start + length <= b.length ? start + length : -1;
}

/** True when the msgpack string at `at` is exactly the 16-char id `id` (compared byte by byte, no string made). */
export function idAt(b: Uint8Array, at: number, id: string): boolean {
  if (at < 0 || at + 1 + LIMITS.idLength > b.length || b[at] !== (0xa0 | LIMITS.idLength)) return false;
  for (let i = 0; i < LIMITS.idLength; i++) if (b[at + 1 + i] !== id.charCodeAt(i)) return false;
  return true;
}

/** Offset just past the msgpack unsigned integer (fixint, uint8 or uint16) at `at`, or -1. */
export function skipU16(b: Uint8Array, at: number): number {
  if (at < 0 || at >= b.length) return -1;
  const head = b[at];
  if (head < 0x80) return at + 1;
  if (head === 0xcc) return at + 2 <= b.length ? at + 2 : -1;
  if (head === 0xcd) return at + 3 <= b.length ? at + 3 : -1;
  return -1;
}

/** 1 or 0 for the msgpack bool at `at`, or UNKNOWN. */
export function boolAt(b: Uint8Array, at: number): number {
  if (at < 0 || at >= b.length) return UNKNOWN;
  return b[at] === 0xc3 ? 1 : b[at] === 0xc2 ? 0 : UNKNOWN;
}

const CREATE_FIELDS = MSG.CREATE_ENTITY_ON_CLIENT.fields?.length ?? 0;
const DESTROY_FIELDS = MSG.DESTROY_ENTITY_ON_CLIENT.fields?.length ?? 0;

/**
 * A CREATE_ENTITY_ON_CLIENT internal body's isPlayer (1 or 0), read from its first three fields
 * (entityId, typeName, isPlayer), or UNKNOWN when they are not plainly encoded.
 */
export function peekCreateIsPlayer(body: Uint8Array): number {
  const at = tupleStart(body, KEY_SIZE.gateClient, CREATE_FIELDS);
  return boolAt(body, skipString(body, skipString(body, at)));
}

/**
 * 1 when a DESTROY_ENTITY_ON_CLIENT internal body is, whole and well formed, the destroy of entity `id`;
 * 0 when it is plainly of another entity; UNKNOWN otherwise (decode it).
 */
export function peekDestroyOf(body: Uint8Array, id: string): number {
  const at = tupleStart(body, KEY_SIZE.gateClient, DESTROY_FIELDS);
  const next = skipString(body, at);
  if (next < 0) return UNKNOWN;
  if (!idAt(body, at, id)) return 0;
  return skipU16(body, next) === body.length ? 1 : UNKNOWN;
}
