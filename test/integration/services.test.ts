import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceShardId, shardOfKey } from '../../src/core/service.ts';
import { writeServiceGame } from '../fixtures/service-game.ts';
import { clientPool, type TestClient } from '../support/clients.ts';
import { startDeployment, tsworld, type TestDeployment } from '../support/deployment.ts';

/**
 * Services on real processes: two dispatchers (the shards' ids spread over both), two games, one gate.
 * The fixture's services answer the calling player with the shard that ran and the game it is on.
 */
describe('services (multi-process)', () => {
  let d: TestDeployment;
  let dir: string;
  const pool = clientPool(() => d.wsUrls);
  let player: TestClient;
  let playerId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsworld-service-game-'));
    d = await startDeployment({ entry: writeServiceGame(dir), dispatchers: 2, games: 2, gates: 1 });
    player = await pool.connect(0);
    playerId = (await player.waitForPlayer()).id;
  }, 120_000);
  afterAll(async () => {
    pool.closeAll();
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const hits = (tag: string) => player.calls.filter((c) => c.method === 'onHit' && c.args[0] === tag).map((c) => c.args as [string, number, number]);

  it('places every shard once the deployment is ready, spread over both games, and says when', async () => {
    player.call(playerId, 'awaitReady');
    await player.waitCall('onReady');
    player.call(playerId, 'viaAll', 'census');
    await player.waitFor(() => hits('census').length === 4, 'an answer from each of the 4 shards');
    const census = hits('census');
    // Each shard once; shards on different games answer in no fixed order.
    expect(census.map(([, shard]) => shard).sort()).toEqual([0, 1, 2, 3]);
    expect(new Set(census.map(([, , gameId]) => gameId))).toEqual(new Set([1, 2]));
    // Each dispatcher placed the shards of its own id shard, and logged where.
    const placed = [1, 2].flatMap((i) => readFileSync(join(d.dir, 'logs', `dispatcher${i}.log`), 'utf8').match(/service shard placed/g) ?? []);
    expect(placed).toHaveLength(4 + 3 + 1);
  });

  it('reaches a shard by index, by key (stable hash) and in rotation', async () => {
    for (let i = 0; i < 4; i++) player.call(playerId, 'viaShard', i, `shard${i}`);
    for (const key of ['alice', 'bob', 'carol', 'dave']) player.call(playerId, 'viaKey', key, `key:${key}`);
    for (let i = 0; i < 8; i++) player.call(playerId, 'viaAny', 'any');
    await player.waitFor(() => hits('any').length === 8, 'the rotating calls');
    for (let i = 0; i < 4; i++) expect(hits(`shard${i}`).map(([, shard]) => shard)).toEqual([i]);
    for (const key of ['alice', 'bob', 'carol', 'dave']) {
      await player.waitFor(() => hits(`key:${key}`).length === 1, `key ${key}`);
      expect(hits(`key:${key}`)[0]![1]).toBe(shardOfKey(key, 4));
    }
    const counts = [0, 0, 0, 0];
    for (const [, shard] of hits('any')) counts[shard]!++;
    expect(counts).toEqual([2, 2, 2, 2]);
  });

  it('checks arguments at the caller: unknown service, method or shard and ill-typed arguments are INVALID_ARGUMENT', async () => {
    player.call(playerId, 'bad');
    const answer = await player.waitCall('onBad');
    expect(answer.args[0]).toEqual(Array(6).fill('INVALID_ARGUMENT'));
    // The gate and the service's own check refuse a client that calls a service method directly.
    player.call(serviceShardId('Shards', 0), 'hit', playerId, 'direct');
    await player.waitFor(() => player.errors.length > 0, 'the refusal');
    expect(hits('direct')).toEqual([]);
  });

  /** Each Shards shard's game, instance, beat count and timer count, as the shards answer. */
  const statuses = async () => {
    const from = player.calls.length;
    player.call(playerId, 'statusAll');
    await player.waitFor(() => player.calls.slice(from).filter((c) => c.method === 'onStatus').length === 4, 'the 4 statuses', 20_000);
    const rows = player.calls.slice(from).filter((c) => c.method === 'onStatus').map((c) => c.args as [number, number, string, number, number]);
    return new Map(rows.map(([shard, gameId, instance, beats, timers]) => [shard, { gameId, instance, beats, timers }]));
  };
  const placements = () => [1, 2].flatMap((i) => readFileSync(join(d.dir, 'logs', `dispatcher${i}.log`), 'utf8').match(/service shard placed/g) ?? []).length;

  it('keeps every shard where it is when a dispatcher is killed and comes back: the games tell the new one', async () => {
    const before = await statuses();
    const placed = placements();
    const victim = (await d.status()).processes.find((p) => p.role === 'dispatcher' && p.id === 2)!;
    process.kill(victim.pid, 'SIGKILL');
    for (let i = 0; i < 100; i++) {
      const again = (await d.status()).processes.find((p) => p.role === 'dispatcher' && p.id === 2);
      if (again?.alive && again.pid !== victim.pid) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const after = await statuses();
    for (const [shard, was] of before) expect({ shard, ...after.get(shard)!, beats: 0 }).toEqual({ shard, ...was, beats: 0 });
    expect(placements(), 'no shard placed again').toBe(placed);
  }, 60_000);

  it('keeps every shard, its state and its cron entry through a process swap and an in-place swap', async () => {
    const before = await statuses();
    const gamePids = async () => (await d.status()).processes.filter((p) => p.role === 'game').map((p) => p.pid).sort();
    for (const [flags, what] of [[[], 'process swap'], [['--in-place'], 'in-place swap']] as const) {
      const pids = await gamePids();
      await tsworld('reload', d.dir, ...flags);
      const swapped = await gamePids();
      if (what === 'process swap') expect(swapped.filter((pid) => pids.includes(pid))).toEqual([]);
      else expect(swapped).toEqual(pids);
      // The cron entry of each shard runs on: every shard counts past what it had right after the swap.
      const mark = await statuses();
      let after = await statuses();
      for (let i = 0; i < 20 && [...after].some(([shard, now]) => now.beats <= mark.get(shard)!.beats); i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        after = await statuses();
      }
      for (const [shard, was] of before) {
        const now = after.get(shard)!;
        expect({ shard, what, gameId: now.gameId, instance: now.instance, timers: now.timers }).toEqual({ shard, what, gameId: was.gameId, instance: was.instance, timers: 1 });
        expect(now.beats, `${what}: shard ${shard} counts on`).toBeGreaterThan(mark.get(shard)!.beats);
        expect(now.beats).toBeGreaterThan(was.beats);
      }
    }
  }, 120_000);

  it('keeps keys on the same shard, with their persisted counts, across a restart of every game', async () => {
    const tallies = (key: string) => player.calls.filter((c) => c.method === 'onTally' && c.args[0] === key).map((c) => c.args as [string, number, number]);
    for (const key of ['alice', 'bob', 'zed']) player.call(playerId, 'tally', key);
    await player.waitFor(() => ['alice', 'bob', 'zed'].every((k) => tallies(k).length === 1), 'the first tallies');
    const before = new Map(['alice', 'bob', 'zed'].map((k) => [k, tallies(k)[0]![1]]));
    for (const [k, shard] of before) expect(shard).toBe(shardOfKey(k, 3));

    // Both games in turn: their shards are saved at the stop and placed again (on the other game, then
    // wherever the dispatcher finds room), and load what was saved.
    await tsworld('restart', d.dir, 'game1');
    await tsworld('restart', d.dir, 'game2');
    player.close();
    player = await pool.connect(0);
    playerId = (await player.waitForPlayer()).id;
    player.call(playerId, 'awaitReady');
    await player.waitCall('onReady');
    for (const key of ['alice', 'bob', 'zed']) player.call(playerId, 'tally', key);
    await player.waitFor(() => ['alice', 'bob', 'zed'].every((k) => tallies(k).length === 1), 'the tallies after the restarts', 30_000);
    for (const key of ['alice', 'bob', 'zed']) expect(tallies(key)[0]).toEqual([key, before.get(key), 2]);
  }, 120_000);
});
