import { createLmdbEntityStorage } from './lmdb-entity-storage.ts';
import { createLmdbKvStore } from './lmdb-kv-store.ts';
import { createMemoryEntityStorage } from './memory-entity-storage.ts';
import { createMemoryKvStore } from './memory-kv-store.ts';
import type { EntityStorage, KvStore } from './types.ts';

/** Which backend a process uses; the `storage` and `kv` sections of the deployment config have this shape. */
export type StorageSpec = { readonly kind: 'memory' } | { readonly kind: 'lmdb'; readonly path: string };

export function openKvStore(spec: StorageSpec): KvStore {
  return spec.kind === 'lmdb' ? createLmdbKvStore({ path: spec.path }) : createMemoryKvStore();
}

export function openEntityStorage(spec: StorageSpec): EntityStorage {
  return spec.kind === 'lmdb' ? createLmdbEntityStorage({ path: spec.path }) : createMemoryEntityStorage();
}
