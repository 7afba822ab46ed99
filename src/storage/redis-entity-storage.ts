import { Packr } from 'msgpackr';
import { TsworldError } from '../core/errors.ts';
import { checkGeneration, staleGeneration } from './fencing.ts';
import { openRedis, type RedisStoreOptions } from './redis-connection.ts';
import { createStoreLifecycle } from './store-lifecycle.ts';
import { checkKey, checkStoredData, checkTypeName } from './storage-validate.ts';
import type { EntityStorage, StorageCapabilities, StoredData } from './types.ts';

const CAPABILITIES: StorageCapabilities = { durable: true, sharedLocation: true };
const LIST_CHUNK = 1024;

/**
 * Writes the record unless a newer generation was claimed: one script, so nothing lands between the
 * check and the write. KEYS[1] the record; ARGV[1] the msgpack data; ARGV[2] the writer's generation
 * ('' for an unfenced save). Answers 0 once written, or the newer generation that refused it.
 */
const FENCED_SAVE = `
local newer = tonumber(redis.call('HGET', KEYS[1], 'gen') or '0')
local mine = tonumber(ARGV[2])
if mine ~= nil and newer > mine then return newer end
redis.call('HSET', KEYS[1], 'data', ARGV[1])
return 0`;

interface FencedSave {
  tsworldFencedSave(key: string, data: Buffer, generation: string): Promise<number>;
}

/**
 * EntityStorage on Redis. Each entity is one hash, `<prefix>entity:{<Type>:<id>}`, holding its msgpack
 * record (`data`) and its claimed generation (`gen`): the fenced save and the claim each touch that one
 * key, so they run unchanged on Redis Cluster, where the hash tag picks the slot. A type's ids are also
 * in a set, `<prefix>ids:{<Type>}`, for `list`; it is written after the record, so an id is listed once
 * its save has landed (a save that failed between the two is retried whole by the caller: both steps
 * are idempotent).
 */
export function createRedisEntityStorage(options: RedisStoreOptions): EntityStorage {
  const redis = openRedis(options);
  const { client } = redis;
  client.defineCommand('tsworldFencedSave', { numberOfKeys: 1, lua: FENCED_SAVE });
  const fenced = client as unknown as FencedSave;
  const packr = new Packr({ useRecords: false });
  const lifecycle = createStoreLifecycle(`Redis entity storage at ${options.url}`);

  const recordKey = (typeName: string, entityId: string): string =>
    `${redis.prefix}entity:{${checkTypeName(typeName)}:${checkKey('entity id', entityId)}}`;
  const indexKey = (typeName: string): string => `${redis.prefix}ids:{${checkTypeName(typeName)}}`;

  const attempt = async <T>(what: string, op: () => Promise<T>): Promise<T> => {
    try {
      return await redis.windowed(op);
    } catch (err) {
      throw redis.failure(what, err);
    }
  };

  return {
    capabilities: CAPABILITIES,
    save: (typeName, entityId, data, saveOptions) =>
      lifecycle.run(async () => {
        const key = recordKey(typeName, entityId);
        const generation = checkGeneration(saveOptions?.generation);
        const encoded = packr.pack(checkStoredData(data));
        const newer = await attempt('save', () => fenced.tsworldFencedSave(key, encoded, generation === undefined ? '' : String(generation)));
        if (newer > 0) throw staleGeneration(typeName, entityId, generation!, newer);
        await attempt('save (type index)', () => client.sadd(indexKey(typeName), entityId));
      }),
    claim: (typeName, entityId) =>
      lifecycle.run(() => {
        const key = recordKey(typeName, entityId);
        return attempt('claim', () => client.hincrby(key, 'gen', 1));
      }),
    load: (typeName, entityId) =>
      lifecycle.run(async () => {
        const key = recordKey(typeName, entityId);
        const encoded = await attempt('load', () => client.hgetBuffer(key, 'data'));
        if (encoded === null) return undefined;
        try {
          return packr.unpack(encoded) as StoredData;
        } catch (err) {
          throw new TsworldError('STORAGE_FAILURE', `Redis load of ${typeName} ${entityId}: the record does not decode`, { cause: err });
        }
      }),
    exists: (typeName, entityId) =>
      lifecycle.run(async () => {
        const key = recordKey(typeName, entityId);
        return (await attempt('exists', () => client.hexists(key, 'data'))) === 1;
      }),
    list: (typeName) =>
      lifecycle.run(async () => {
        const key = indexKey(typeName);
        // SSCAN in slices, so a type with 100k ids never holds the server (or this loop) in one reply.
        const ids = new Set<string>();
        let cursor = '0';
        do {
          const [next, slice] = await attempt('list', () => client.sscan(key, cursor, 'COUNT', LIST_CHUNK));
          for (const id of slice) ids.add(id);
          cursor = next;
        } while (cursor !== '0');
        return [...ids];
      }),
    close: () => lifecycle.close(() => redis.close()),
  };
}
