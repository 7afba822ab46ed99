import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGridAoi } from '../../../../src/aoi/index.ts';
import { freezeToFile } from '../../../../src/hotswap/index.ts';
import { createLogger } from '../../../../src/observability/index.ts';
import { createPackr, createWireCodec } from '../../../../src/protocol/index.ts';
import { startGameServer } from '../../../../src/roles/game/game-server.ts';
import { createSystemClock, createSystemScheduler } from '../../../../src/tick/clock.ts';
import { attr } from '../../../../src/core/attr-decl.ts';
import { defineEntityType } from '../../../../src/core/entity-type.ts';
import { defineService } from '../../../../src/core/service.ts';
import { t } from '../../../../src/core/value-types.ts';
import type { GameWorld } from '../../../../src/core/world-api.ts';
import { defineGame } from '../../../../src/roles/game/game-module.ts';
import { createMemoryEntityStorage } from '../../../../src/storage/index.ts';
import type { EntityStorage } from '../../../../src/storage/index.ts';
import { CLIENT_ERROR_CODES } from '../../../../src/protocol/index.ts';
import { createTestCluster, type TestCluster } from '../../../../src/testing/test-cluster.ts';

/**
 * The dispatchers' side of services on real dispatcher and game roles in one process (fake clock): who
 * places the shards, when games hear they are ready, and what happens when a shard or its game goes.
 */
function game(log: string[], failed: number[] = []) {
  const Counter = defineService({
    name: 'Counter',
    shards: 3,
    persistent: true,
    attrs: { hits: attr(t.int, { flags: ['persistent'] }) },
    rpc: {
      hit: { expose: 'server', args: [t.int], fn(e, seq) {
        e.attrs.set('hits', e.attrs.get('hits') + 1);
        log.push(`${Counter.shardIds.indexOf(e.id)}:${seq}@${e.world.gameId}`);
      } },
    },
  });
  const Nobody = defineEntityType({ name: 'Nobody' });
  const module = defineGame({
    entityTypes: [Nobody],
    services: [Counter],
    bootEntity: 'Nobody',
    onServicesReady(world: GameWorld) {
      log.push(`ready@${world.gameId}`);
    },
    onCallFailed(_world, failure) {
      failed.push(failure.code);
    },
  });
  return { Counter, module };
}

describe('services across dispatchers and games (in process)', () => {
  let c: TestCluster | undefined;
  afterEach(async () => {
    await c?.stop();
    c = undefined;
  });

  const shardHomes = (cluster: TestCluster, ids: readonly string[]) =>
    ids.map((id) => cluster.games.filter((g) => g.world.entity(id)).map((g) => g.world.gameId));

  it('places each shard once, on the games by load, and tells every game once they all exist', async () => {
    const log: string[] = [];
    const { Counter, module } = game(log);
    c = await createTestCluster({ game: module, dispatchers: 2, games: 2, gates: 1 });
    await c.until(() => log.filter((l) => l.startsWith('ready@')).length === 2, 'onServicesReady on both games');
    // When the hooks run, every shard exists, each on exactly one game.
    const homes = shardHomes(c, Counter.shardIds);
    expect(homes.every((h) => h.length === 1)).toBe(true);
    expect(new Set(homes.flat())).toEqual(new Set([1, 2]));
    await c.advance(2000);
    expect(log.filter((l) => l.startsWith('ready@')).sort()).toEqual(['ready@1', 'ready@2']);
  });

  it('moves the shards of a stopping game to the other one, with their saved state and the calls made meanwhile, in order', async () => {
    const log: string[] = [];
    const { Counter, module } = game(log);
    c = await createTestCluster({ game: module, dispatchers: 2, games: 2, gates: 1 });
    await c.until(() => log.filter((l) => l.startsWith('ready@')).length === 2, 'ready');
    const caller = c.games[0]!.world;
    const onGame2 = Counter.shardIds.findIndex((id) => c!.games[1]!.world.entity(id));
    expect(onGame2).toBeGreaterThanOrEqual(0);
    for (let seq = 1; seq <= 5; seq++) caller.cluster.callServiceShard(Counter, onGame2, 'hit', [seq]);
    await c.until(() => log.filter((l) => l.startsWith(`${onGame2}:`)).length === 5, 'the first calls');
    const stopping = c.games[1]!.stop();
    for (let seq = 6; seq <= 10; seq++) caller.cluster.callServiceShard(Counter, onGame2, 'hit', [seq]);
    await stopping;
    await c.until(() => log.filter((l) => l.startsWith(`${onGame2}:`)).length === 10, 'the calls made while it moved');
    expect(log.filter((l) => l.startsWith(`${onGame2}:`))).toEqual([1, 2, 3, 4, 5].map((s) => `${onGame2}:${s}@2`).concat([6, 7, 8, 9, 10].map((s) => `${onGame2}:${s}@1`)));
    const moved = caller.entity(Counter.shardIds[onGame2]!)!;
    expect(moved.attrs.get('hits')).toBe(10);
  });

  it('places a destroyed shard again', async () => {
    const log: string[] = [];
    const { Counter, module } = game(log);
    c = await createTestCluster({ game: module, games: 1, gates: 1 });
    await c.until(() => log.includes('ready@1'), 'ready');
    const world = c.games[0]!.world;
    world.destroyEntity(Counter.shardIds[0]!);
    await c.until(() => world.entity(Counter.shardIds[0]!) === undefined, 'the shard gone');
    await c.until(() => world.entity(Counter.shardIds[0]!), 'the shard back', 10_000);
    world.cluster.callServiceShard(Counter, 0, 'hit', [1]);
    await c.until(() => log.includes('0:1@1'), 'a call to it');
  });

  it('answers calls past the hold bounds (count, then time) with CALL_FAILED, and delivers once the shard exists', async () => {
    const log: string[] = [];
    const failed: number[] = [];
    const { Counter, module } = game(log, failed);
    // Loads of Counter shards wait for `release` while `stall` is set: a failover target that is slow.
    const memory = createMemoryEntityStorage();
    let stall = false;
    let release: () => void = () => undefined;
    const storage: EntityStorage = {
      capabilities: memory.capabilities,
      save: (...a) => memory.save(...a),
      claim: (...a) => memory.claim(...a),
      exists: (...a) => memory.exists(...a),
      list: (...a) => memory.list(...a),
      close: () => memory.close(),
      async load(typeName, id) {
        if (stall && typeName === 'Counter') await new Promise<void>((resolve) => (release = resolve));
        return memory.load(typeName, id);
      },
    };
    c = await createTestCluster({ game: module, games: 2, gates: 1, storage, dispatcherLimits: { maxHeldPerEntity: 5, pendingTimeoutMs: 2000 } });
    await c.until(() => log.filter((l) => l.startsWith('ready@')).length === 2, 'ready');
    const shard = Counter.shardIds.findIndex((id) => c!.games[1]!.world.entity(id));
    const moving = Counter.shardIds.filter((id) => c!.games[1]!.world.entity(id)).length;
    const caller = c.games[0]!.world;
    stall = true;
    await c.games[1]!.stop();
    await c.advance(100);
    for (let seq = 1; seq <= 8; seq++) caller.cluster.callServiceShard(Counter, shard, 'hit', [seq]);
    await c.until(() => failed.length === 3, 'the 3 calls past maxHeldPerEntity refused');
    expect(failed).toEqual(Array(3).fill(CLIENT_ERROR_CODES.UNKNOWN_ENTITY));
    await c.until(() => failed.length === 8, 'the 5 held calls refused after pendingTimeoutMs', 10_000);
    expect(log.filter((l) => l.startsWith(`${shard}:`))).toEqual([]);

    release();
    await c.until(() => caller.entity(Counter.shardIds[shard]!), 'the shard made at last');
    caller.cluster.callServiceShard(Counter, shard, 'hit', [9]);
    await c.until(() => log.includes(`${shard}:9@1`), 'a call after it exists');
    // Placed once each: the sweep did not send the slow one anywhere else.
    const metrics = await c.metrics.dispatchers[0]!.registry.metrics();
    expect(metrics).toMatch(new RegExp(`tsworld_service_placements_total\\{[^}]*service="Counter"[^}]*why="stopped"[^}]*\\} ${moving}\\b`));
    expect(metrics).not.toMatch(/why="failover"/);
  });

  it('keeps routing to the new instance when a game declared down comes back announcing its stale copy', async () => {
    const log: string[] = [];
    const { Counter, module } = game(log);
    c = await createTestCluster({ game: module, games: 2, gates: 1, clock: 'system' });
    await c.until(() => log.filter((l) => l.startsWith('ready@')).length === 2, 'ready');
    const shard = Counter.shardIds.findIndex((id) => c!.games[0]!.world.entity(id));
    const dir = mkdtempSync(join(tmpdir(), 'tsworld-stale-'));
    try {
      // Game 1 as it was, then gone without a word (no stop notice): declared down, its shards move to game 2.
      freezeToFile(c.games[0]!.world, join(dir, 'stale.bin'), { clientGates: [], views: [], frozenAtMs: Date.now() });
      await c.games[0]!.stop({ save: false });
      const live = c.games[1]!.world;
      await c.until(() => live.entity(Counter.shardIds[shard]!), 'the shard on game 2');
      // A process of game 1 that did not fence itself comes back with the old world, shard included.
      const stale = await startGameServer({
        id: 1, dispatchers: [{ host: c.dispatchers[0]!.host, port: c.dispatchers[0]!.port }], module, tickHz: 20, positionSyncHz: 10,
        saveIntervalSec: 60, storage: c.storage, kv: c.kv, codec: createWireCodec({ packr: createPackr() }),
        log: createLogger({ role: 'game', id: 1, level: 'silent', pretty: false }), aoiFactory: createGridAoi,
        runtime: { clock: createSystemClock(), scheduler: createSystemScheduler(), net: c.network }, restoreFrom: join(dir, 'stale.bin'),
      });
      try {
        expect(stale.world.entity(Counter.shardIds[shard]!)).toBeDefined();
        await c.advance(300);
        for (let seq = 1; seq <= 3; seq++) live.cluster.callServiceShard(Counter, shard, 'hit', [seq]);
        await c.until(() => log.filter((l) => l.startsWith(`${shard}:`)).length >= 3, 'the calls');
        await c.advance(300);
        expect(log.filter((l) => l.startsWith(`${shard}:`))).toEqual([1, 2, 3].map((seq) => `${shard}:${seq}@2`));
      } finally {
        await stale.stop({ save: false });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
