import { LMDB_DB_NAMES, openLmdb, storageFailure, writeFailure } from './lmdb-env.ts';
import { createDiskGuard } from './disk-guard.ts';
import { createStoreLifecycle } from './store-lifecycle.ts';
import { checkKey, checkString } from './storage-validate.ts';
import type { KvStore, StorageCapabilities } from './types.ts';

const CAPABILITIES: StorageCapabilities = { durable: true, sharedLocation: true };

export interface LmdbStoreOptions {
  /** The environment directory; created if missing. */
  readonly path: string;
  /** Writes are refused while the disk has less free than this (disk-guard.ts). Default 8 MiB; 0: off. */
  readonly minFreeBytes?: number;
}

/** What LMDB needs to go on safely once writes stop; see disk-guard.ts. */
export const DEFAULT_MIN_FREE_BYTES = 8 * 1024 * 1024;

/**
 * KvStore on LMDB. Writes are lmdb-js async batched transactions committed off the main thread; a
 * write resolves once committed (visible to every process sharing the directory), and LMDB's overlapping
 * sync flushes it to disk right after. Reads are memory-mapped and return in microseconds, so they never
 * hold the event loop.
 *
 * getOrPut runs its read and its conditional write inside one LMDB write transaction. LMDB allows one
 * writer per environment at a time, across threads and processes, so no other put can land between the
 * read and the write: exactly one caller stores its value, every other caller reads it back.
 */
export function createLmdbKvStore(options: LmdbStoreOptions): KvStore {
  const { root, db } = openLmdb<string>(options.path, LMDB_DB_NAMES.kv, 'string');
  const lifecycle = createStoreLifecycle(`LMDB kv store at ${options.path}`);
  const disk = createDiskGuard(options.path, options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES);

  return {
    capabilities: CAPABILITIES,
    get: (key) =>
      lifecycle.run(() => {
        checkKey('kv key', key);
        try {
          return db.get(key);
        } catch (err) {
          throw storageFailure('get', err);
        }
      }),
    put: (key, value) =>
      lifecycle.run(async () => {
        checkKey('kv key', key);
        checkString('kv value', value);
        disk.check('put', key.length + value.length);
        try {
          await db.put(key, value);
        } catch (err) {
          throw await writeFailure('put', err);
        }
      }),
    getOrPut: (key, value) =>
      lifecycle.run(async () => {
        checkKey('kv key', key);
        checkString('kv value', value);
        disk.check('getOrPut', key.length + value.length);
        try {
          return await db.transaction(() => {
            const existing = db.get(key);
            if (existing !== undefined) return existing;
            // Inside the transaction this put joins the same commit as the read above.
            void db.put(key, value);
            return undefined;
          });
        } catch (err) {
          throw await writeFailure('getOrPut', err);
        }
      }),
    close: () => lifecycle.close(() => root.close()),
  };
}
