import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { TsworldError } from './errors.ts';

/**
 * A cluster-wide entity id: 16 characters of URL-safe base64 (A-Z a-z 0-9 - _) encoding 12 bytes, as
 * in GoWorld: 4 bytes of seconds since the epoch, 5 bytes of process fingerprint (host, pid and
 * random bytes hashed, so two processes on one host differ), 3 bytes of counter. Ids are unique
 * without coordination as long as one generator makes fewer than 2^24 ids per second.
 */
export type EntityId = string;

export const ENTITY_ID_LENGTH = 16;
const ID_PATTERN = /^[A-Za-z0-9_-]{16}$/;

export function isEntityId(value: unknown): value is EntityId {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

export interface EntityIdGenerator {
  next(): EntityId;
  /** The 5-byte fingerprint, base64url; the same for every id this generator makes. */
  readonly fingerprint: string;
}

export interface EntityIdGeneratorOptions {
  /** Wall clock in ms; injected so tests can pin time. */
  now?: () => number;
  /** Exactly 5 bytes; by default derived from host, pid and random bytes. */
  fingerprint?: Uint8Array;
  /** First counter value (mod 2^24); random by default, as in GoWorld. */
  counterStart?: number;
}

export function createEntityIdGenerator(options: EntityIdGeneratorOptions = {}): EntityIdGenerator {
  const now = options.now ?? Date.now;
  const fingerprint = options.fingerprint ?? defaultFingerprint();
  if (fingerprint.length !== 5) {
    throw new TsworldError('INVALID_ARGUMENT', 'an entity id fingerprint is exactly 5 bytes');
  }
  let counter = (options.counterStart ?? randomBytes(3).readUIntBE(0, 3)) & 0xffffff;
  const bytes = Buffer.alloc(12);
  bytes.set(fingerprint, 4);
  return {
    fingerprint: Buffer.from(fingerprint).toString('base64url'),
    next() {
      bytes.writeUInt32BE(Math.floor(now() / 1000) >>> 0, 0);
      bytes.writeUIntBE(counter, 9, 3);
      counter = (counter + 1) & 0xffffff;
      return bytes.toString('base64url');
    },
  };
}

function defaultFingerprint(): Uint8Array {
  return createHash('sha256')
    .update(`${hostname()}|${process.pid}|`)
    .update(randomBytes(8))
    .digest()
    .subarray(0, 5);
}
