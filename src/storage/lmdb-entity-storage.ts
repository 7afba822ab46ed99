import type { Database } from 'lmdb';
import { checkGeneration, staleGeneration } from './fencing.ts';
import { LMDB_DB_NAMES, openLmdb, storageFailure, writeFailure } from './lmdb-env.ts';
import { createDiskGuard } from './disk-guard.ts';
import { DEFAULT_MIN_FREE_BYTES, type LmdbStoreOptions } from './lmdb-kv-store.ts';
import { createStoreLifecycle } from './store-lifecycle.ts';
import { checkKey, checkStoredDataSized, checkTypeName } from './storage-validate.ts';
import type { EntityStorage, StorageCapabilities, StoredData } from './types.ts';

const CAPABILITIES: StorageCapabilities = { durable: true, sharedLocation: true };

/**
 * Keys are `Type:id`. Type names are identifiers (no ':'), so one type's entities form one contiguous
 * key range, `Type:` up to `Type;` (';' sorts right after ':'), which `list` scans without a type index.
 */
const SEPARATOR = ':';
const AFTER_SEPARATOR = ';';
const LIST_CHUNK = 1024;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * EntityStorage on LMDB: one msgpack record per entity in the `entities` named database, its claimed
 * generation in `generations` under the same key. Saves are async batched commits, so a game saving
 * thousands of entities at its save interval does not block its tick; loads read the memory map
 * directly. A fenced save reads the generation and writes the record in one write transaction, and
 * LMDB has one writer at a time across processes, so no claim can land between the check and the write.
 */
/** The databases and checks the writes share. */
interface Fenced {
  readonly db: Database<StoredData, string>;
  readonly generations: Database<number, string>;
  readonly disk: ReturnType<typeof createDiskGuard>;
  keyOf(typeName: string, entityId: string): string;
}

/** Resolves to 0 once written, or to the newer generation that refused the write. */
function fencedPut(f: Fenced, key: string, data: StoredData, generation: number): Promise<number> {
  return f.db.transaction(() => {
    const newer = f.generations.get(key) ?? 0;
    if (newer > generation) return newer;
    // Inside the transaction this put joins the same commit as the read above.
    void f.db.put(key, data);
    return 0;
  });
}

async function save(f: Fenced, typeName: string, entityId: string, data: StoredData, given: number | undefined): Promise<void> {
  const key = f.keyOf(typeName, entityId);
  const generation = checkGeneration(given);
  const { data: checked, bytes } = checkStoredDataSized(data);
  f.disk.check('save', key.length + bytes);
  let newer = 0;
  try {
    if (generation === undefined) await f.db.put(key, checked);
    else newer = await fencedPut(f, key, checked, generation);
  } catch (err) {
    throw await writeFailure('save', err);
  }
  if (newer > 0) throw staleGeneration(typeName, entityId, generation!, newer);
}

async function claim(f: Fenced, key: string): Promise<number> {
  f.disk.check('claim', key.length + 16);
  try {
    return await f.generations.transaction(() => {
      const next = (f.generations.get(key) ?? 0) + 1;
      void f.generations.put(key, next);
      return next;
    });
  } catch (err) {
    throw await writeFailure('claim', err);
  }
}

export function createLmdbEntityStorage(options: LmdbStoreOptions): EntityStorage {
  const { root, db } = openLmdb<StoredData>(options.path, LMDB_DB_NAMES.entities, 'msgpack');
  const generations = root.openDB<number, string>({ name: LMDB_DB_NAMES.generations, encoding: 'msgpack' });
  const lifecycle = createStoreLifecycle(`LMDB entity storage at ${options.path}`);
  const disk = createDiskGuard(options.path, options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES);

  const keyOf = (typeName: string, entityId: string): string =>
    `${checkTypeName(typeName)}${SEPARATOR}${checkKey('entity id', entityId)}`;

  const fenced: Fenced = { db, generations, disk, keyOf };

  return {
    capabilities: CAPABILITIES,
    save: (typeName, entityId, data, saveOptions) => lifecycle.run(() => save(fenced, typeName, entityId, data, saveOptions?.generation)),
    claim: (typeName, entityId) => lifecycle.run(() => claim(fenced, keyOf(typeName, entityId))),
    load: (typeName, entityId) =>
      lifecycle.run(() => {
        const key = keyOf(typeName, entityId);
        try {
          return db.get(key);
        } catch (err) {
          throw storageFailure('load', err);
        }
      }),
    exists: (typeName, entityId) =>
      lifecycle.run(() => {
        const key = keyOf(typeName, entityId);
        try {
          return db.doesExist(key);
        } catch (err) {
          throw storageFailure('exists', err);
        }
      }),
    list: (typeName) =>
      lifecycle.run(async () => {
        const prefix = `${checkTypeName(typeName)}${SEPARATOR}`;
        try {
          const ids: string[] = [];
          const range = db.getKeys({ start: prefix, end: `${typeName}${AFTER_SEPARATOR}` });
          for (const key of range) {
            ids.push(String(key).slice(prefix.length));
            // 100k keys take ~50 ms to scan: yield between chunks so a big list never stalls a tick.
            if (ids.length % LIST_CHUNK === 0) await yieldToLoop();
          }
          return ids;
        } catch (err) {
          throw storageFailure('list', err);
        }
      }),
    close: () => lifecycle.close(() => root.close()),
  };
}
