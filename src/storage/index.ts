export type { EntityStorage, KvStore, StorageCapabilities, StoredData, StoredValue } from './types.ts';
export { createMemoryKvStore } from './memory-kv-store.ts';
export { createMemoryEntityStorage } from './memory-entity-storage.ts';
export { createLmdbKvStore } from './lmdb-kv-store.ts';
export type { LmdbStoreOptions } from './lmdb-kv-store.ts';
export { createLmdbEntityStorage } from './lmdb-entity-storage.ts';
export { openEntityStorage, openKvStore } from './open-storage.ts';
export type { StorageSpec } from './open-storage.ts';
