import { createLmdbEntityStorage } from './lmdb-entity-storage.ts';
import { createLmdbKvStore, type LmdbStoreOptions } from './lmdb-kv-store.ts';
import { createMemoryEntityStorage } from './memory-entity-storage.ts';
import { createMemoryKvStore } from './memory-kv-store.ts';
import type { RedisStoreOptions } from './redis-connection.ts';
import { createRedisEntityStorage } from './redis-entity-storage.ts';
import { createRedisKvStore } from './redis-kv-store.ts';
import type { EntityStorage, KvStore } from './types.ts';

/** Which backend a process uses; the `storage` and `kv` sections of the deployment config have this shape. */
export type StorageSpec =
  | { readonly kind: 'memory' }
  | ({ readonly kind: 'lmdb' } & LmdbStoreOptions)
  | ({ readonly kind: 'redis' } & RedisStoreOptions);

export function openKvStore(spec: StorageSpec): KvStore {
  switch (spec.kind) {
    case 'lmdb':
      return createLmdbKvStore(spec);
    case 'redis':
      return createRedisKvStore(spec);
    case 'memory':
      return createMemoryKvStore();
  }
}

export function openEntityStorage(spec: StorageSpec): EntityStorage {
  switch (spec.kind) {
    case 'lmdb':
      return createLmdbEntityStorage(spec);
    case 'redis':
      return createRedisEntityStorage(spec);
    case 'memory':
      return createMemoryEntityStorage();
  }
}
