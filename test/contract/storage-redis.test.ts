import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TsworldError } from '../../src/core/errors.ts';
import { createRedisEntityStorage, createRedisKvStore } from '../../src/storage/index.ts';
import { redisSkipReason, startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { createTempDirs, redisEntityBackend, redisKvBackend } from './storage/backends.ts';
import { entityStorageContract } from './storage/entity-contract.ts';
import { kvStoreContract } from './storage/kv-contract.ts';

/**
 * The storage contracts on a real redis-server (single server, AOF on) that this file starts on a
 * free port and stops. It needs a process, so it runs in the slow project (test/vitest.config.ts).
 */
const skip = redisSkipReason();
const temp = createTempDirs();
afterEach(() => temp.removeAll());

describe.skipIf(skip !== undefined)(`Redis storage${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  const url = (): string => server.url;

  describe('KvStore contract: redis', () => kvStoreContract(redisKvBackend(url), temp));
  describe('EntityStorage contract: redis', () => entityStorageContract(redisEntityBackend(url), temp));

  it('keys carry hash tags: one slot per KV entry and per entity record', async () => {
    const kv = createRedisKvStore({ url: url(), prefix: 'tags:' });
    const entities = createRedisEntityStorage({ url: url(), prefix: 'tags:' });
    await kv.put('account:alice', 'pw');
    await entities.save('Avatar', 'E1', { hp: 1 });
    const { Redis } = await import('ioredis');
    const raw = new Redis(url());
    try {
      expect((await raw.keys('tags:*')).sort()).toEqual(['tags:entity:{Avatar:E1}', 'tags:ids:{Avatar}', 'tags:kv:{account:alice}']);
    } finally {
      raw.disconnect();
      await kv.close();
      await entities.close();
    }
  });

  it('a burst far larger than the in-flight window lands whole; during an outage what waited fails at once too', async () => {
    const entities = createRedisEntityStorage({ url: url(), prefix: 'window:', maxInFlight: 4 });
    try {
      await Promise.all(Array.from({ length: 500 }, (_, i) => entities.save('Npc', `n${i}`, { i })));
      expect((await entities.list('Npc')).length).toBe(500);
      expect(await entities.load('Npc', 'n499')).toEqual({ i: 499 });
      await server.kill();
      const started = Date.now();
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, (_, i) => entities.save('Npc', `late${i}`, { i }).then(() => 'ok', (e: unknown) => (e as TsworldError).code)),
      );
      const failMs = Date.now() - started;
      expect(new Set(outcomes)).toEqual(new Set(['STORAGE_FAILURE']));
      // 50 windows' worth, each waiting for a reconnect attempt, would take minutes.
      expect(failMs).toBeLessThan(15_000);
      console.log(`redis outage with a window of 4: 200 saves failed in ${failMs} ms`);
    } finally {
      await server.start();
      await entities.close();
    }
  });

  it('refuses a prefix with braces and a URL that is not redis://', () => {
    expect(() => createRedisKvStore({ url: url(), prefix: 'a{b}' })).toThrow(TsworldError);
    expect(() => createRedisEntityStorage({ url: 'http://127.0.0.1:1' })).toThrow(/redis:\/\//);
  });

  it('while the server is down, calls fail within bounds instead of queueing; after it returns they work', async () => {
    const entities = createRedisEntityStorage({ url: url(), prefix: 'outage:', commandTimeoutMs: 2_000 });
    const kv = createRedisKvStore({ url: url(), prefix: 'outage:', commandTimeoutMs: 2_000 });
    try {
      await entities.save('Avatar', 'before', { hp: 1 });
      await kv.put('before', '1');
      await server.kill();
      const started = Date.now();
      const failures = await Promise.all([
        entities.save('Avatar', 'during', { hp: 2 }).then(() => undefined, (e: unknown) => e),
        kv.put('during', '2').then(() => undefined, (e: unknown) => e),
        entities.load('Avatar', 'before').then(() => undefined, (e: unknown) => e),
      ]);
      const failMs = Date.now() - started;
      for (const err of failures) {
        expect(err).toBeInstanceOf(TsworldError);
        expect((err as TsworldError).code).toBe('STORAGE_FAILURE');
        expect((err as TsworldError).message).toMatch(/^Redis (save|put|load) failed: /);
      }
      // Generous: the point is that they fail at all rather than wait for the server for ever.
      expect(failMs).toBeLessThan(15_000);
      await server.start();
      const back = Date.now();
      for (;;) {
        const ok = await entities.save('Avatar', 'after', { hp: 3 }).then(() => true, () => false);
        if (ok) break;
        if (Date.now() - back > 20_000) throw new Error('Redis did not come back within 20 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      console.log(`redis outage: calls failed after ${failMs} ms; usable again ${Date.now() - back} ms after the restart`);
      // The AOF brought back what was acknowledged before the kill.
      expect(await entities.load('Avatar', 'before')).toEqual({ hp: 1 });
      expect(await kv.get('before')).toBe('1');
      expect(await entities.load('Avatar', 'after')).toEqual({ hp: 3 });
    } finally {
      await server.start();
      await entities.close();
      await kv.close();
    }
  });
});
