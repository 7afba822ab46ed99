import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nilSpaceId } from '../../src/core/space.ts';
import { arenaId, writeMigrateGame } from '../fixtures/migrate-game.ts';
import { testClient, type TestClient } from '../support/clients.ts';
import { startDeployment, type TestDeployment } from '../support/deployment.ts';

interface Pilot {
  client: TestClient;
  id: string;
  game: number;
  /** Calls `method` and resolves with the args of the next `reply` it gets (matching `match`). */
  ask(method: string, args: unknown[], reply: string, match?: (a: unknown[]) => boolean): Promise<unknown[]>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * GoWorld's placement calls on world.cluster, each driven through real processes (2 dispatchers, 2
 * games, 1 gate, LMDB storage): createSpaceAnywhere / createSpaceOnGame, createEntityOnGame,
 * loadEntityOnGame and world.loadEntity (single instance cluster-wide), callNilSpaces, onlineGames,
 * entityExists, listEntityIds and entity.save().
 */
describe('placement calls on world.cluster (2 dispatchers, 2 games, 1 gate)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsworld-placement-'));
  let d: TestDeployment;
  const clients: TestClient[] = [];
  /** One Pilot on each game, by game id. */
  const pilots = new Map<number, Pilot>();

  async function connect(): Promise<Pilot> {
    const client = await testClient(d.wsUrls[0]!);
    clients.push(client);
    const me = await client.waitForPlayer();
    const ask: Pilot['ask'] = async (method, args, reply, match = () => true) => {
      const before = client.calls.filter((c) => c.method === reply).length;
      client.call(me.id, method, ...args);
      const call = await client.waitFor(() => client.calls.filter((c) => c.method === reply).slice(before).find((c) => match(c.args)), `${reply} after ${method}`);
      return call.args;
    };
    const [game] = (await ask('where', [], 'onWhere')) as [number];
    return { client, id: me.id, game, ask };
  }

  beforeAll(async () => {
    d = await startDeployment({ entry: writeMigrateGame(dir), dispatchers: 2, games: 2, gates: 1 });
    // Boot entities go round-robin per dispatcher: connect until both games have a Pilot.
    for (let i = 0; i < 8 && pilots.size < 2; i++) {
      const p = await connect();
      if (!pilots.has(p.game)) pilots.set(p.game, p);
    }
    expect([...pilots.keys()].sort()).toEqual([1, 2]);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('onlineGames() names every game; callNilSpaces reaches the nil-space handler of each game once', async () => {
    const one = pilots.get(1)!;
    expect(await one.ask('games', [], 'onGames')).toEqual([[1, 2]]);
    expect(await pilots.get(2)!.ask('games', [], 'onGames')).toEqual([[1, 2]]);
    await one.ask('shout', ['hello'], 'onHeard', (a) => a[1] === 'hello');
    const two = pilots.get(2)!;
    await two.client.waitCall('onHeard', (a) => a[1] === 'hello');
    await pause(300);
    for (const [game, p] of pilots) {
      expect(p.client.calls.filter((c) => c.method === 'onHeard').map((c) => c.args)).toEqual([[game, 'hello']]);
    }
  });

  it('createSpaceOnGame and createSpaceAnywhere make a space there that an entity can enter (migrating to it)', async () => {
    const one = pilots.get(1)!;
    const [onTwo] = (await one.ask('mkSpace', [2], 'onSpace')) as [string];
    const [anywhere] = (await one.ask('mkSpace', [0], 'onSpace')) as [string];
    expect(onTwo).not.toBe(anywhere);
    // The new space is announced by its game; an enterSpace that comes first is refused (UNKNOWN_SPACE).
    const enter = async (p: Pilot, spaceId: string) => {
      for (let i = 0; i < 50; i++) {
        const at = await p.ask('where', [], 'onWhere');
        if (at[1] === spaceId) return at;
        p.client.call(p.id, 'go', spaceId);
        await pause(100);
      }
      throw new Error(`never entered ${spaceId}`);
    };
    expect((await enter(one, onTwo)).slice(0, 3)).toEqual([2, onTwo, 'Arena']);
    const at = await enter(one, anywhere);
    expect(at.slice(1, 3)).toEqual([anywhere, 'Arena']);
    expect([1, 2]).toContain(at[0]);
    // Home again, for the tests that follow.
    await enter(one, arenaId(1));
  });

  it('createEntityOnGame, entity.save(), entityExists, listEntityIds, loadEntityOnGame and world.loadEntity (one instance cluster-wide)', async () => {
    const one = pilots.get(1)!;
    const two = pilots.get(2)!;
    const [crate] = (await one.ask('mkCrate', [2, 'first'], 'onCrateId')) as [string];
    expect(await one.ask('crate', [crate], 'onCrate')).toEqual([crate, 2, 'first', nilSpaceId(2), 0, 0]);
    // entity.save() answers once the save landed: from then on storage has it.
    expect(await one.ask('relabel', [crate, 'second'], 'onSaved', (a) => a[0] === crate)).toEqual([crate, '']);
    expect(await one.ask('exists', [crate], 'onExists', (a) => a[0] === crate)).toEqual([crate, true]);
    const [ids] = (await two.ask('list', [], 'onList')) as [string[]];
    expect(ids).toContain(crate);
    expect(await two.ask('exists', ['NoSuchCrate00000'], 'onExists', (a) => a[0] === 'NoSuchCrate00000')).toEqual(['NoSuchCrate00000', false]);

    // Destroyed (its final state saved), then loaded on game 1 by a call made on game 2.
    one.client.call(one.id, 'drop', crate);
    await pause(500);
    two.client.call(two.id, 'loadOn', 1, crate);
    const onOne = async (p: Pilot, game: number) => {
      for (let i = 0; i < 50; i++) {
        const reply = await Promise.race([p.ask('crate', [crate], 'onCrate', (a) => a[0] === crate), pause(300).then(() => undefined)]);
        if (reply?.[1] === game) return reply;
      }
      throw new Error(`crate ${crate} never answered from game ${game}`);
    };
    expect(await onOne(two, 1)).toEqual([crate, 1, 'second', nilSpaceId(1), 0, 0]);
    // It exists on game 1: a load on game 2 does nothing, and it answers from game 1 only.
    one.client.call(one.id, 'loadOn', 2, crate);
    await pause(500);
    const before = two.client.calls.filter((c) => c.method === 'onCrate').length;
    expect(await two.ask('crate', [crate], 'onCrate', (a) => a[0] === crate)).toEqual([crate, 1, 'second', nilSpaceId(1), 0, 0]);
    await pause(300);
    expect(two.client.calls.filter((c) => c.method === 'onCrate').length).toBe(before + 1);

    // world.loadEntity: on the calling game, into its Arena, at a position (GoWorld's Space.LoadEntity).
    one.client.call(one.id, 'drop', crate);
    await pause(500);
    two.client.call(two.id, 'loadHere', crate, 5, 6);
    expect(await onOne(one, 2)).toEqual([crate, 2, 'second', arenaId(2), 5, 6]);
    for (const p of pilots.values()) expect(p.client.errors).toEqual([]);
  });

  it('a persistent entity keeps saving wherever it migrates, there and back (each game claims it anew)', async () => {
    const one = pilots.get(1)!;
    const [crate] = (await one.ask('mkCrate', [1, 'a'], 'onCrateId')) as [string];
    expect(await one.ask('relabel', [crate, 'b'], 'onSaved', (a) => a[0] === crate)).toEqual([crate, '']);
    const at = async (game: number) => {
      for (let i = 0; i < 50; i++) {
        const reply = await Promise.race([one.ask('crate', [crate], 'onCrate', (a) => a[0] === crate), pause(300).then(() => undefined)]);
        if (reply?.[1] === game) return reply;
        await pause(100);
      }
      throw new Error(`crate ${crate} never answered from game ${game}`);
    };
    for (const [game, label] of [[2, 'c'], [1, 'd'], [2, 'e']] as const) {
      one.client.call(one.id, 'moveCrate', crate, arenaId(game));
      expect((await at(game)).slice(1, 4)).toEqual([game, label === 'c' ? 'b' : label === 'd' ? 'c' : 'd', arenaId(game)]);
      // A save refused as stale (the source still holding the generation it claimed) would answer an error.
      expect(await one.ask('relabel', [crate, label], 'onSaved', (a) => a[0] === crate)).toEqual([crate, '']);
    }
    expect(one.client.errors).toEqual([]);
  });
});
