import { LMDB_DB_NAMES, openLmdb, storageFailure } from './lmdb-env.ts';
import type { LmdbStoreOptions } from './lmdb-kv-store.ts';
import { createStoreLifecycle } from './store-lifecycle.ts';
import { checkKey, checkStoredData, checkTypeName } from './storage-validate.ts';
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
 * EntityStorage on LMDB: one msgpack record per entity in the `entities` named database. Saves are
 * async batched commits, so a game saving thousands of entities at its save interval does not block
 * its tick; loads read the memory map directly.
 */
export function createLmdbEntityStorage(options: LmdbStoreOptions): EntityStorage {
  const { root, db } = openLmdb<StoredData>(options.path, LMDB_DB_NAMES.entities, 'msgpack');
  const lifecycle = createStoreLifecycle(`LMDB entity storage at ${options.path}`);

  const keyOf = (typeName: string, entityId: string): string =>
    `${checkTypeName(typeName)}${SEPARATOR}${checkKey('entity id', entityId)}`;

  return {
    capabilities: CAPABILITIES,
    save: (typeName, entityId, data) =>
      lifecycle.run(async () => {
        const key = keyOf(typeName, entityId);
        const checked = checkStoredData(data);
        try {
          await db.put(key, checked);
        } catch (err) {
          throw storageFailure('save', err);
        }
      }),
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
