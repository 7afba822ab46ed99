import { afterEach, describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../src/aoi/brute-force.ts';
import { attr } from '../../src/core/attr-decl.ts';
import type { ClusterApi } from '../../src/core/cluster-api.ts';
import { defineEntityType } from '../../src/core/entity-type.ts';
import { TsworldError } from '../../src/core/errors.ts';
import { defineService, shardOfKey } from '../../src/core/service.ts';
import { t } from '../../src/core/value-types.ts';
import type { GameWorld } from '../../src/core/world-api.ts';
import { createGameWorld } from '../../src/core/world.ts';
import { defineGame } from '../../src/roles/game/game-module.ts';
import { createTestCluster } from '../../src/testing/test-cluster.ts';

/**
 * One suite, both ClusterApi implementations: the local one of a lone world, and the one a game
 * process uses, through real dispatcher and game roles (an in-process test cluster). Same results,
 * same error codes, delivered the same way: what the calling game can know is thrown at once as a
 * TsworldError; what only the target knows never comes back to the caller.
 */
interface Harness {
  world: GameWorld;
  cluster: ClusterApi;
  /** Runs the world (and, for a cluster, its links) until `probe` holds. */
  until<T>(probe: () => T | undefined | false, what: string): Promise<T>;
  /** Ticks for a while, for checks that something did NOT happen. */
  settle(): Promise<void>;
  seen: string[];
  stop(): Promise<void>;
}

function probeType(seen: string[]) {
  return defineEntityType({
    name: 'Probe',
    attrs: { tag: attr(t.string) },
    rpc: { hit: { expose: 'server', args: [t.string], fn: (e, what) => void seen.push(`${e.attrs.get('tag')}:${what}`) } },
  });
}

/** A service of three shards; each hit records `shard:argument`. */
function counterService(seen: string[]) {
  const Counter = defineService({
    name: 'Counter',
    shards: 3,
    rpc: { hit: { expose: 'server', args: [t.string], fn: (e, what) => void seen.push(`${Counter.shardIds.indexOf(e.id)}:${what}`) } },
  });
  return Counter;
}

async function local(): Promise<Harness> {
  const seen: string[] = [];
  const world = createGameWorld({ entityTypes: [probeType(seen)], services: [counterService(seen)], aoiFactory: createBruteForceAoi, onError: () => undefined });
  const until = async <T,>(probe: () => T | undefined | false, what: string) => {
    for (let i = 0; i < 200; i++) {
      const value = probe();
      if (value !== undefined && value !== false) return value;
      world.step(0.05);
      await new Promise((r) => setImmediate(r));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  return { world, cluster: world.cluster, until, settle: async () => void (await until(() => false, 'nothing').catch(() => undefined)), seen, stop: async () => undefined };
}

async function processCluster(): Promise<Harness> {
  const seen: string[] = [];
  const Probe = probeType(seen);
  const c = await createTestCluster({ game: defineGame({ entityTypes: [Probe], services: [counterService(seen)], bootEntity: 'Probe' }), games: 1, gates: 1 });
  const world = c.games[0].world;
  return { world, cluster: world.cluster, until: (p, what) => c.until(p, what, 10_000), settle: () => c.advance(500), seen, stop: () => c.stop() };
}

const implementations: Array<[string, () => Promise<Harness>]> = [
  ['local (lone world)', local],
  ['game process (dispatcher and game roles, in process)', processCluster],
];

describe.each(implementations)('ClusterApi contract: %s', (_name, make) => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('creates anywhere with an id valid at once, and delivers calls to it in order, never in the caller\'s stack', async () => {
    h = await make();
    const id = h.cluster.createEntityAnywhere('Probe', { tag: 'a' });
    for (let i = 0; i < 50; i++) h.cluster.call(id, 'hit', [String(i)]);
    expect(h.seen).toEqual([]);
    await h.until(() => h.seen.length === 50, '50 calls');
    expect(h.seen).toEqual(Array.from({ length: 50 }, (_, i) => `a:${i}`));
  });

  it('keeps delivering held calls after one of them fails at the target', async () => {
    h = await make();
    const id = h.cluster.createEntityAnywhere('Probe', { tag: 'f' });
    h.cluster.call(id, 'hit', ['first']);
    h.cluster.call(id, 'noSuchMethod', []);
    h.cluster.call(id, 'hit', ['third']);
    await h.until(() => h.seen.length === 2, 'both good calls');
    expect(h.seen).toEqual(['f:first', 'f:third']);
  });

  it('creates on a named game (its own here)', async () => {
    h = await make();
    const id = h.cluster.createEntityOnGame(h.world.gameId, 'Probe', { tag: 'g' });
    h.cluster.call(id, 'hit', ['x']);
    await h.until(() => h.seen.length === 1, 'the call');
    expect(h.world.entity(id)?.typeName).toBe('Probe');
    expect(h.seen).toEqual(['g:x']);
  });

  it('throws INVALID_ARGUMENT at once for a malformed entity id, and sends nothing', async () => {
    h = await make();
    for (const bad of ['', 'short', 'é'.repeat(16), 'has space 123456']) {
      expect(() => h.cluster.call(bad, 'hit', ['x'])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as never);
    }
    await h.settle();
    expect(h.seen).toEqual([]);
  });

  it('does not throw for an entity that exists nowhere: only the target side can know', async () => {
    h = await make();
    expect(() => h.cluster.call('NoSuchEntity0001', 'hit', ['x'])).not.toThrow();
    await h.settle();
    expect(h.seen).toEqual([]);
  });

  it('throws INVALID_STATE at once for client operations on an entity without a client', async () => {
    h = await make();
    const id = h.cluster.createEntityAnywhere('Probe', { tag: 'c' });
    await h.until(() => h.world.entity(id), 'the entity');
    const other = h.cluster.createEntityAnywhere('Probe', { tag: 'd' });
    const ops: Array<[string, () => void]> = [
      ['setClientFilterProp', () => h.cluster.setClientFilterProp(id, 'room', 'x')],
      ['clearClientFilterProps', () => h.cluster.clearClientFilterProps(id)],
      ['kickClient', () => h.cluster.kickClient(id, 'bye')],
      ['giveClientTo', () => h.cluster.giveClientTo(id, other)],
    ];
    for (const [what, op] of ops) {
      let error: unknown;
      try {
        op();
      } catch (err) {
        error = err;
      }
      expect(error, what).toBeInstanceOf(TsworldError);
      expect((error as TsworldError).code, what).toBe('INVALID_STATE');
    }
  });

  it('keeps getOrPut atomic and answers KV calls in the game loop, after the call returns', async () => {
    h = await make();
    const answers: string[] = [];
    h.cluster.kv.getOrPut('k', 'first', (err, stored) => answers.push(`1:${err ?? stored}`));
    h.cluster.kv.getOrPut('k', 'second', (err, stored) => answers.push(`2:${err ?? stored}`));
    let missing: unknown = 'not answered';
    h.cluster.kv.get('absent', (err, value) => (missing = err ?? value));
    expect(answers).toEqual([]);
    await h.until(() => answers.length === 2 && missing !== 'not answered', 'the KV answers');
    expect(answers).toEqual(['1:first', '2:first']);
    expect(missing).toBeUndefined();
    let read: unknown;
    h.cluster.kv.put('p', 'v', () => h.cluster.kv.get('p', (err, value) => (read = err ?? value)));
    await h.until(() => read, 'put then get');
    expect(read).toBe('v');
  });

  it('reaches service shards by every call form once servicesReady says they exist', async () => {
    h = await make();
    let ready = false;
    h.cluster.servicesReady(() => (ready = true));
    expect(ready).toBe(false);
    await h.until(() => ready, 'servicesReady');
    const ids = [0, 1, 2].map((i) => h.cluster.serviceShardId('Counter', i));
    expect(ids.every((id) => h.world.entity(id)?.typeName === 'Counter')).toBe(true);
    h.cluster.callServiceShard('Counter', 1, 'hit', ['shard']);
    h.cluster.callServiceAll('Counter', 'hit', ['all']);
    h.cluster.callServiceByKey('Counter', 'room7', 'hit', ['key']);
    for (let i = 0; i < 3; i++) h.cluster.callService('Counter', 'hit', ['any']);
    await h.until(() => h.seen.length === 8, '8 service calls');
    expect(h.seen.slice(0, 5)).toEqual(['1:shard', '0:all', '1:all', '2:all', `${shardOfKey('room7', 3)}:key`]);
    expect(h.seen.slice(5).sort()).toEqual(['0:any', '1:any', '2:any']);
  });

  it('checks service calls at the caller: unknown service, shard or method, and arguments, as INVALID_ARGUMENT', async () => {
    h = await make();
    const bad: Array<[string, () => void]> = [
      ['unknown service', () => h.cluster.callService('Nope', 'hit', ['x'])],
      ['unknown method', () => h.cluster.callServiceAll('Counter', 'miss', ['x'])],
      ['wrong type', () => h.cluster.callServiceShard('Counter', 0, 'hit', [42])],
      ['wrong count', () => h.cluster.callService('Counter', 'hit', [])],
      ['shard out of range', () => h.cluster.callServiceShard('Counter', 3, 'hit', ['x'])],
      ['fractional shard', () => h.cluster.callServiceShard('Counter', 0.5, 'hit', ['x'])],
      ['bad key', () => h.cluster.callServiceByKey('Counter', Number.NaN, 'hit', ['x'])],
    ];
    for (const [what, op] of bad) expect(op, what).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as never);
    await h.settle();
    expect(h.seen).toEqual([]);
  });

  it('types service calls from the ServiceType: a wrong method or argument does not compile', async () => {
    h = await make();
    const Counter = counterService([]);
    // Compiled, never run: `npm run typecheck` fails if an expected error is not one.
    const typed = (cluster: ClusterApi) => {
      cluster.callServiceShard(Counter, 0, 'hit', ['ok']);
      cluster.callServiceByKey(Counter, 'k', 'hit', ['ok']);
      // @ts-expect-error hit takes a string
      cluster.callServiceShard(Counter, 0, 'hit', [42]);
      // @ts-expect-error Counter has no method miss
      cluster.callServiceAll(Counter, 'miss', ['x']);
      // @ts-expect-error hit takes one argument
      cluster.callService(Counter, 'hit', []);
    };
    expect(typeof typed).toBe('function');
  });
});
