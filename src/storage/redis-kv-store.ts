import { openRedis, type RedisStoreOptions } from './redis-connection.ts';
import { createStoreLifecycle } from './store-lifecycle.ts';
import { checkKey, checkString } from './storage-validate.ts';
import type { KvStore, StorageCapabilities } from './types.ts';

/** Durable as far as the server's persistence goes (the tests run it with AOF on). */
const CAPABILITIES: StorageCapabilities = { durable: true, sharedLocation: true };

/**
 * KvStore on Redis: one string key per entry, `<prefix>kv:{<key>}`. The braces make the whole key its
 * hash tag, so each entry has its own Cluster slot; every operation touches one key.
 *
 * getOrPut is `SET key value NX GET` (Redis 7): one command, so the server decides it atomically against
 * every other client and process: it stores the value only when the key is absent and answers the value
 * that was there.
 */
export function createRedisKvStore(options: RedisStoreOptions): KvStore {
  const redis = openRedis(options);
  const { client } = redis;
  const lifecycle = createStoreLifecycle(`Redis kv store at ${options.url}`);
  const keyOf = (key: string): string => `${redis.prefix}kv:{${checkKey('kv key', key)}}`;

  return {
    capabilities: CAPABILITIES,
    get: (key) =>
      lifecycle.run(async () => {
        const k = keyOf(key);
        try {
          return (await redis.windowed(() => client.get(k))) ?? undefined;
        } catch (err) {
          throw redis.failure('get', err);
        }
      }),
    put: (key, value) =>
      lifecycle.run(async () => {
        const k = keyOf(key);
        checkString('kv value', value);
        try {
          await redis.windowed(() => client.set(k, value));
        } catch (err) {
          throw redis.failure('put', err);
        }
      }),
    getOrPut: (key, value) =>
      lifecycle.run(async () => {
        const k = keyOf(key);
        checkString('kv value', value);
        try {
          return (await redis.windowed(() => client.set(k, value, 'NX', 'GET'))) ?? undefined;
        } catch (err) {
          throw redis.failure('getOrPut', err);
        }
      }),
    close: () => lifecycle.close(() => redis.close()),
  };
}
