import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { open } from 'lmdb';
import type { Database, RootDatabase } from 'lmdb';
import { TsworldError } from '../core/errors.ts';
import { osReason, unwrapCommitError } from './os-reason.ts';

/**
 * One LMDB environment (a directory) per deployment holds every store as a named database: `kv` for
 * the KvStore, `entities` and `generations` (claimed fencing tokens) for EntityStorage, so a single
 * `path` in the config serves both.
 *
 * Several processes may open the same directory (LMDB's lock file serialises their writers), and so may
 * several stores in one process: lmdb-js shares the native environment between `open()` calls on one
 * path, and each store closes only its own handle.
 */
export const LMDB_DB_NAMES = { kv: 'kv', entities: 'entities', generations: 'generations' } as const;

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
    makeDir(path);
    // Event-turn batching off: with it, lmdb-js (3.5) leaves a promise of its own per batch that rejects
    // unheard when a commit fails (a full disk), which ends the process even though every write's own
    // rejection is handled. The write thread still batches commits; 100k puts take the same time.
    const root = open({ path, maxDbs: MAX_DBS, compression: false, eventTurnBatching: false });
    const db = root.openDB<V, string>({ name, encoding });
    return { root, db };
  } catch (err) {
    throw new TsworldError('STORAGE_FAILURE', `cannot open LMDB database '${name}' at ${path}: ${osReason(err)}`, { cause: err });
  }
}

/**
 * Creates the environment directory. Node's recursive mkdir reports ENOENT for whatever failed the last
 * step (a read-only file system, a permission), so that is asked again without recursion, which fails
 * with the real errno (EROFS, EACCES) for the operator to read.
 */
function makeDir(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT' && existsSync(dirname(path))) mkdirSync(path);
    throw err;
  }
}

/** Wraps a backend failure in STORAGE_FAILURE; our own TsworldErrors (bad arguments) pass through. */
export function storageFailure(what: string, err: unknown): TsworldError {
  if (err instanceof TsworldError) return err;
  return new TsworldError('STORAGE_FAILURE', `LMDB ${what} failed: ${osReason(err)}`, { cause: err });
}

/** The same for a failed write, whose OS reason lmdb-js keeps in a promise of its own (os-reason.ts). */
export async function writeFailure(what: string, err: unknown): Promise<TsworldError> {
  if (err instanceof TsworldError) return err;
  const reason = await unwrapCommitError(err);
  return new TsworldError('STORAGE_FAILURE', `LMDB ${what} failed: ${osReason(reason)}`, { cause: reason });
}
