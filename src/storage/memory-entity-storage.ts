import { Packr } from 'msgpackr';
import { checkGeneration, staleGeneration } from './fencing.ts';
import { createStoreLifecycle } from './store-lifecycle.ts';
import { checkKey, checkStoredData, checkTypeName } from './storage-validate.ts';
import type { EntityStorage, StorageCapabilities, StoredData } from './types.ts';

const CAPABILITIES: StorageCapabilities = { durable: false, sharedLocation: false };

/**
 * In-memory EntityStorage for tests. It keeps each save msgpack-encoded, exactly as the durable backends
 * do, so tests see the same copy semantics and the same decoded shapes as production (a caller mutating
 * its object after `save` cannot change what `load` returns).
 */
export function createMemoryEntityStorage(): EntityStorage {
  const packr = new Packr({ useRecords: false });
  const byType = new Map<string, Map<string, Uint8Array>>();
  /** Claimed generations by `Type:id` (type names cannot hold ':'). */
  const generations = new Map<string, number>();
  const lifecycle = createStoreLifecycle('memory entity storage');

  const entitiesOf = (typeName: string): Map<string, Uint8Array> | undefined =>
    byType.get(checkTypeName(typeName));

  return {
    capabilities: CAPABILITIES,
    save: (typeName, entityId, data, options) =>
      lifecycle.run(() => {
        checkTypeName(typeName);
        checkKey('entity id', entityId);
        const generation = checkGeneration(options?.generation);
        const encoded = packr.pack(checkStoredData(data));
        const newer = generations.get(`${typeName}:${entityId}`) ?? 0;
        if (generation !== undefined && newer > generation) throw staleGeneration(typeName, entityId, generation, newer);
        let entities = byType.get(typeName);
        if (!entities) {
          entities = new Map();
          byType.set(typeName, entities);
        }
        entities.set(entityId, encoded);
      }),
    claim: (typeName, entityId) =>
      lifecycle.run(() => {
        const key = `${checkTypeName(typeName)}:${checkKey('entity id', entityId)}`;
        const next = (generations.get(key) ?? 0) + 1;
        generations.set(key, next);
        return next;
      }),
    load: (typeName, entityId) =>
      lifecycle.run(() => {
        checkKey('entity id', entityId);
        const encoded = entitiesOf(typeName)?.get(entityId);
        return encoded === undefined ? undefined : (packr.unpack(encoded) as StoredData);
      }),
    exists: (typeName, entityId) =>
      lifecycle.run(() => {
        checkKey('entity id', entityId);
        return entitiesOf(typeName)?.has(entityId) ?? false;
      }),
    list: (typeName) => lifecycle.run(() => [...(entitiesOf(typeName)?.keys() ?? [])]),
    close: () =>
      lifecycle.close(() => {
        byType.clear();
        generations.clear();
      }),
  };
}
