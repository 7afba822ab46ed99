import { createStoreLifecycle } from './store-lifecycle.ts';
import { checkKey, checkString } from './storage-validate.ts';
import type { KvStore, StorageCapabilities } from './types.ts';

const CAPABILITIES: StorageCapabilities = { durable: false, sharedLocation: false };

/**
 * In-memory KvStore for tests and single-process demos. getOrPut is atomic because the check and the
 * write happen in one synchronous step; the result is still delivered asynchronously, like every backend.
 */
export function createMemoryKvStore(): KvStore {
  const entries = new Map<string, string>();
  const lifecycle = createStoreLifecycle('memory kv store');

  return {
    capabilities: CAPABILITIES,
    get: (key) =>
      lifecycle.run(() => entries.get(checkKey('kv key', key))),
    put: (key, value) =>
      lifecycle.run(() => {
        entries.set(checkKey('kv key', key), checkString('kv value', value));
      }),
    getOrPut: (key, value) =>
      lifecycle.run(() => {
        checkKey('kv key', key);
        checkString('kv value', value);
        const existing = entries.get(key);
        if (existing !== undefined) return existing;
        entries.set(key, value);
        return undefined;
      }),
    close: () => lifecycle.close(() => entries.clear()),
  };
}
