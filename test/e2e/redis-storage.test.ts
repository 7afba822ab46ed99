import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisEntityStorage, createRedisKvStore } from '../../src/storage/index.ts';
import { clientPool, type TestClient } from '../support/clients.ts';
import { startDeployment, type TestDeployment } from '../support/deployment.ts';
import { redisSkipReason, startRedisServer, type RedisServer } from '../support/redis-server.ts';

/**
 * A deployment on Redis storage and KV (a redis-server this file starts, AOF on), whose server is
 * killed with SIGKILL mid-run and started again: the games keep answering, the saves and KV puts made
 * during the outage are retried and land once Redis is back, and game code hears of each one then.
 */
const entry = join(import.meta.dirname, '..', 'fixtures', 'saver-game.ts');
const PLAYERS = 10;
const skip = redisSkipReason();

async function scrape(d: TestDeployment, name: string): Promise<number> {
  let total = 0;
  for (const g of d.config.games) {
    const text = await (await fetch(`http://127.0.0.1:${g.metricsPort}/metrics`)).text();
    for (const l of text.split('\n')) if (l.startsWith(name)) total += Number(l.slice(l.lastIndexOf(' ') + 1));
  }
  return total;
}

async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!(await probe())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(skip !== undefined)(`a deployment on Redis whose server dies mid-run${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('keeps the games answering, retries the saves and puts, and lands them once Redis is back', async () => {
    const redis: RedisServer = await startRedisServer();
    cleanups.push(() => redis.stop());
    const spec = { kind: 'redis', url: redis.url, prefix: 'e2e:' };
    const d = await startDeployment({ entry, games: 2, gates: 1, metrics: true, sections: { storage: spec } });
    cleanups.push(() => d.stop());
    const pool = clientPool(() => d.wsUrls);
    cleanups.push(() => pool.closeAll());
    const clients: TestClient[] = [];
    for (let i = 0; i < PLAYERS; i++) clients.push(await pool.connect(0));
    const players = await Promise.all(clients.map((c) => c.waitForPlayer()));

    clients.forEach((c, i) => c.call(players[i]!.id, 'bump', 1, 100));
    await Promise.all(clients.map((c) => c.waitCall('onSaved', ([seq, outcome]) => seq === 1 && outcome === 'ok')));

    await redis.kill();
    const killedAt = Date.now();
    clients.forEach((c, i) => {
      c.call(players[i]!.id, 'bump', 2, 100);
      c.call(players[i]!.id, 'note', `note:${players[i]!.id}`, 'written during the outage');
    });
    // The games answer at once; the writes fail and wait.
    await Promise.all(clients.map((c) => c.waitCall('onBump', ([seq]) => seq === 2)));
    // Several rounds of backoff (100, 200, 400 ms…) for every write, so the outage lasts a while.
    await until(async () => (await scrape(d, 'tsworld_storage_retries_total')) >= 4 * 2 * PLAYERS, 'retries of the writes made during the outage');
    expect(clients.every((c) => !c.calls.some((x) => x.method === 'onSaved' && x.args[0] === 2))).toBe(true);
    const pendingDuringOutage = await scrape(d, 'tsworld_storage_pending_writes');
    expect(pendingDuringOutage).toBe(2 * PLAYERS);
    const outageMs = Date.now() - killedAt;

    await redis.start();
    const backAt = Date.now();
    await Promise.all(clients.map((c) => c.waitCall('onSaved', ([seq]) => seq === 2, 60_000)));
    await Promise.all(clients.map((c) => c.waitCall('onPut', undefined, 60_000)));
    const landedMs = Date.now() - backAt;
    for (const c of clients) {
      expect(c.calls.filter((x) => x.method === 'onSaved').map((x) => x.args)).toEqual([[1, 'ok'], [2, 'ok']]);
      expect(c.calls.find((x) => x.method === 'onPut')?.args[1]).toBe('ok');
    }
    await until(async () => (await scrape(d, 'tsworld_storage_pending_writes')) === 0, 'no write pending');
    const failures = await scrape(d, 'tsworld_storage_failures_total');

    const storage = createRedisEntityStorage({ url: redis.url, prefix: 'e2e:' });
    const kv = createRedisKvStore({ url: redis.url, prefix: 'e2e:' });
    try {
      for (const p of players) {
        expect((await storage.load('Player', p.id))?.['score']).toBe(2);
        expect(await kv.get(`note:${p.id}`)).toBe('written during the outage');
      }
      expect((await storage.list('Player')).length).toBe(PLAYERS);
    } finally {
      await storage.close();
      await kv.close();
    }
    const status = await d.status();
    expect(status.processes.every((p) => p.alive)).toBe(true);
    console.log(
      `redis killed for ${outageMs} ms with ${pendingDuringOutage} writes pending (${failures} failed attempts counted); ` +
        `every save and put landed ${landedMs} ms after redis-server came back, nothing lost`,
    );
  });

  it('a stop while Redis is down waits, then logs which saves it could not make', async () => {
    const redis: RedisServer = await startRedisServer();
    cleanups.push(() => redis.stop());
    const d = await startDeployment({ entry, games: 1, gates: 1, sections: { storage: { kind: 'redis', url: redis.url, prefix: 'stop:' } } });
    cleanups.push(() => rmSync(d.dir, { recursive: true, force: true }));
    const pool = clientPool(() => d.wsUrls);
    cleanups.push(() => pool.closeAll());
    const client = await pool.connect(0);
    const player = await client.waitForPlayer();
    client.call(player.id, 'bump', 1, 10);
    await client.waitCall('onSaved', ([seq]) => seq === 1);
    await redis.kill();
    client.call(player.id, 'bump', 2, 10);
    await client.waitCall('onBump', ([seq]) => seq === 2);
    const started = Date.now();
    await d.cli('stop', d.dir);
    const stopMs = Date.now() - started;
    const lines = readFileSync(join(d.dir, 'logs', 'game1.log'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string; count?: number; unsaved?: string[] });
    const report = lines.find((l) => /writes not saved/.test(l.msg ?? ''));
    expect(report?.count).toBe(1);
    expect(report?.unsaved).toEqual([player.id]);
    console.log(`stop with Redis down: took ${stopMs} ms; the game logged: ${report?.msg} ${JSON.stringify(report?.unsaved)}`);
  });
});
