import { open } from 'lmdb';
import type { Database, RootDatabase } from 'lmdb';
import { TsworldError } from '../core/errors.ts';

/**
 * One LMDB environment (a directory) per deployment holds every store as a named database: `kv` for
 * the KvStore and `entities` for EntityStorage, so a single `path` in the config serves both.
 *
 * Several processes may open the same directory (LMDB's lock file serialises their writers), and so may
 * several stores in one process: lmdb-js shares the native environment between `open()` calls on one
 * path, and each store closes only its own handle.
 */
export const LMDB_DB_NAMES = { kv: 'kv', entities: 'entities' } as const;

/** Room for the named databases above plus a few more later without reopening existing directories. */
const MAX_DBS = 8;

export interface LmdbHandle<V> {
  readonly root: RootDatabase;
  readonly db: Database<V, string>;
}

export function openLmdb<V>(path: string, name: string, encoding: 'string' | 'msgpack'): LmdbHandle<V> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TsworldError('INVALID_ARGUMENT', 'LMDB path must be a non-empty string');
  }
  try {
    const root = open({ path, maxDbs: MAX_DBS, compression: false });
    const db = root.openDB<V, string>({ name, encoding });
    return { root, db };
  } catch (err) {
    throw new TsworldError('STORAGE_FAILURE', `cannot open LMDB database '${name}' at ${path}`, { cause: err });
  }
}

/** Wraps a backend failure in STORAGE_FAILURE; our own TsworldErrors (bad arguments) pass through. */
export function storageFailure(what: string, err: unknown): TsworldError {
  if (err instanceof TsworldError) return err;
  return new TsworldError('STORAGE_FAILURE', `LMDB ${what} failed`, { cause: err });
}
