import { Packr } from 'msgpackr';
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
  const lifecycle = createStoreLifecycle('memory entity storage');

  const entitiesOf = (typeName: string): Map<string, Uint8Array> | undefined =>
    byType.get(checkTypeName(typeName));

  return {
    capabilities: CAPABILITIES,
    save: (typeName, entityId, data) =>
      lifecycle.run(() => {
        checkTypeName(typeName);
        checkKey('entity id', entityId);
        const encoded = packr.pack(checkStoredData(data));
        let entities = byType.get(typeName);
        if (!entities) {
          entities = new Map();
          byType.set(typeName, entities);
        }
        entities.set(entityId, encoded);
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
    close: () => lifecycle.close(() => byType.clear()),
  };
}
