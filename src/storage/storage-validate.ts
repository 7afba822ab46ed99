import { TsworldError } from '../core/errors.ts';
import type { StoredData } from './types.ts';

/** LMDB refuses keys over 1978 bytes; staying well under leaves room for the type prefix. */
const MAX_KEY_BYTES = 1024;
/** Deeper nesting than this is almost certainly a cycle; refusing it keeps encoders from overflowing. */
const MAX_DEPTH = 64;
/** Entity type names are identifiers, which also keeps the `type:id` key layout unambiguous. */
const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function checkKey(what: string, key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new TsworldError('INVALID_ARGUMENT', `${what} must be a non-empty string, got ${describe(key)}`);
  }
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new TsworldError('INVALID_ARGUMENT', `${what} is longer than ${MAX_KEY_BYTES} UTF-8 bytes`);
  }
  return key;
}

export function checkString(what: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new TsworldError('INVALID_ARGUMENT', `${what} must be a string, got ${describe(value)}`);
  }
  return value;
}

export function checkTypeName(typeName: unknown): string {
  if (typeof typeName !== 'string' || !TYPE_NAME.test(typeName)) {
    throw new TsworldError('INVALID_ARGUMENT', `entity type name must be an identifier, got ${describe(typeName)}`);
  }
  return typeName;
}

/**
 * Refuses anything msgpack would not round-trip identically in every backend (undefined, bigint, Map,
 * Date, class instances, functions, cycles), naming the offending path, so a bad save fails at the call
 * rather than coming back altered from a later load.
 */
export function checkStoredData(data: unknown): StoredData {
  return checkStoredDataSized(data).data;
}

/** The same check, also answering about how many bytes the encoded data takes (for the disk reserve). */
export function checkStoredDataSized(data: unknown): { data: StoredData; bytes: number } {
  if (!isPlainObject(data)) {
    throw new TsworldError('INVALID_ARGUMENT', `entity data must be a plain object, got ${describe(data)}`);
  }
  const bytes = checkValue(data, 'data', 0);
  return { data: data as StoredData, bytes };
}

/** Checks one value and answers a rough size of its msgpack form (UTF-16 length for strings). */
function checkValue(value: unknown, path: string, depth: number): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'number') return 9;
  if (typeof value === 'string') return value.length + 5;
  if (value instanceof Uint8Array) return value.length + 5;
  if (depth >= MAX_DEPTH) {
    throw new TsworldError('INVALID_ARGUMENT', `${path}: nested deeper than ${MAX_DEPTH} levels (a cycle?)`);
  }
  if (Array.isArray(value)) {
    let bytes = 5;
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) throw new TsworldError('INVALID_ARGUMENT', `${path}[${i}]: arrays must not have holes`);
      bytes += checkValue(value[i], `${path}[${i}]`, depth + 1);
    }
    return bytes;
  }
  if (isPlainObject(value)) {
    let bytes = 5;
    for (const key of Object.keys(value)) bytes += key.length + 5 + checkValue(value[key], `${path}.${key}`, depth + 1);
    return bytes;
  }
  throw new TsworldError('INVALID_ARGUMENT', `${path}: cannot store ${describe(value)}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}
