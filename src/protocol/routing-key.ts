import { LIMITS } from './fields.ts';

/**
 * The routing key sits at a fixed offset at the start of a message body (right after the u16 type), so
 * the dispatcher and the gate route by reading a few bytes, never by msgpack-decoding the payload.
 *
 * | kind          | bytes | layout                                   |
 * |---------------|-------|------------------------------------------|
 * | none          | 0     |                                          |
 * | entity        | 16    | entityId (ASCII)                         |
 * | entityGateClient | 34 | entityId (ASCII) · gateId u16 LE · clientId (ASCII): a client's call, |
 * |               |       | with the caller's gate so an ERROR reaches it wherever the entity lives |
 * | game          | 2     | gameId u16 LE                            |
 * | gateClient    | 18    | gateId u16 LE · clientId (ASCII)         |
 * | gate          | 2     | gateId u16 LE: for the gate itself (several of its clients) |
 */
export type KeyKind = 'none' | 'entity' | 'entityGateClient' | 'game' | 'gateClient' | 'gate';

export interface KeyTypes {
  none: Record<never, never>;
  entity: { entityId: string };
  entityGateClient: { entityId: string; gateId: number; clientId: string };
  game: { gameId: number };
  gateClient: { gateId: number; clientId: string };
  gate: { gateId: number };
}

export const KEY_SIZE = {
  none: 0,
  entity: LIMITS.idLength,
  entityGateClient: 2 + 2 * LIMITS.idLength,
  game: 2,
  gateClient: 2 + LIMITS.idLength,
  gate: 2,
} as const satisfies Record<KeyKind, number>;

/** Writes a 16-char ASCII id; the caller has validated it (encoders run on trusted values). */
export function writeId(out: Uint8Array, offset: number, id: string): void {
  for (let i = 0; i < LIMITS.idLength; i++) out[offset + i] = id.charCodeAt(i) & 0x7f;
}

/** Spelled out, not `apply(Array.from(...))`: this runs once per routed frame and must not allocate an array. */
export function readId(b: Uint8Array, o: number): string {
  return String.fromCharCode(
    b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6], b[o + 7],
    b[o + 8], b[o + 9], b[o + 10], b[o + 11], b[o + 12], b[o + 13], b[o + 14], b[o + 15],
  );
}

/** True when the 16 bytes at `offset` are printable ASCII (the only bytes a valid id can have). */
export function isIdBytes(bytes: Uint8Array, offset: number): boolean {
  if (bytes.length < offset + LIMITS.idLength) return false;
  for (let i = 0; i < LIMITS.idLength; i++) {
    const c = bytes[offset + i];
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

export function readU16(bytes: Uint8Array, offset: number): number {
  return bytes[offset] | (bytes[offset + 1] << 8);
}

export function writeU16(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value & 0xff;
  out[offset + 1] = (value >>> 8) & 0xff;
}

/** Entity key of an entity-keyed body. */
export function readEntityKey(body: Uint8Array): string {
  return readId(body, 0);
}

/**
 * Which of `n` dispatchers owns an entity, from the raw key bytes (GoWorld: (id[14]*256 + id[15]) % n),
 * so a sender picks the dispatcher without building a string.
 */
export function entityShard(body: Uint8Array, n: number): number {
  return ((body[14] << 8) | body[15]) % n;
}

/** Same shard function from a string id, for callers that hold the id rather than the bytes. */
export function entityIdShard(entityId: string, n: number): number {
  return ((entityId.charCodeAt(14) << 8) | entityId.charCodeAt(15)) % n;
}

/**
 * The caller of an entityGateClient-keyed body (a client's call): its gate and client id, read from
 * fixed offsets so a dispatcher can answer it without decoding.
 */
export function readCallerKey(body: Uint8Array): { gateId: number; clientId: string } {
  return { gateId: readU16(body, LIMITS.idLength), clientId: readId(body, LIMITS.idLength + 2) };
}

/** Game id of a game-keyed body. */
export function readGameKey(body: Uint8Array): number {
  return readU16(body, 0);
}

/** Gate id of a gateClient- or gate-keyed body (to-client and gate-handled messages). */
export function readGateKey(body: Uint8Array): number {
  return readU16(body, 0);
}

/** Client id of a gateClient-keyed body. */
export function readGateClientKey(body: Uint8Array): string {
  return readId(body, 2);
}
