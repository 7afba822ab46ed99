import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerGame } from '../../examples/mmo/game/layout.ts';
import { nilSpaceId } from '../../src/core/space.ts';
import { arenaId, writeMigrateGame } from '../fixtures/migrate-game.ts';
import { testClient, type TestClient } from '../support/clients.ts';
import { repoRoot, startDeployment, type TestDeployment } from '../support/deployment.ts';
import { wakeStopped } from '../support/processes.ts';

const entry = join(repoRoot, 'examples', 'mmo', 'game', 'main.ts');

/**
 * Migration on real processes: the mmo's portal moves a player to the other game's World with
 * `enterSpace(nilSpaceId(peer))`, and the player's onMigrateIn enters that game's World. With two
 * dispatchers the entity's own dispatcher (by id) owns the hand-off.
 */
describe('migration through the mmo portal (2 dispatchers, 2 games, 1 gate)', () => {
  let d: TestDeployment;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    d = await startDeployment({ entry, dispatchers: 2, games: 2, gates: 1 });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await d?.stop();
  });

  it('moves the player to the other game: the connection stays, calls are answered there, timers and attributes come along', async () => {
    const client = await testClient(d.wsUrls[0]!);
    clients.push(client);
    const spaces: { spaceId: string; gameId: number }[] = [];
    client.on('space', (spaceId, gameId) => spaces.push({ spaceId, gameId }));
    const me = await client.waitForPlayer();
    const from = me.attrs.gameId as number;
    await client.waitFor(() => spaces.find((s) => s.gameId === from), 'the space event of the first World');
    const firstWorld = spaces.at(-1)!.spaceId;
    const seenBefore = new Set([...client.entities.values()].filter((e) => !e.isPlayer).map((e) => e.id));

    client.call(me.id, 'echo', 1);
    await client.waitCall('onEcho', (a) => a[0] === 1);
    client.syncPosition(250, 0, 250, 0);
    const to = peerGame(from);
    const arrived = await client.waitFor(() => spaces.find((s) => s.gameId === to && s.spaceId !== firstWorld && !s.spaceId.startsWith('TmlsU3BhY2')), 'the space event of the other game\'s World');
    expect(arrived.spaceId).not.toBe(firstWorld);
    // Out of the portal, or it would take the player back once its cooldown is over.
    client.syncPosition(100, 0, 100, 0);

    const player = await client.waitFor(() => (client.player?.attrs.gameId === to ? client.player : undefined), 'the player on the other game');
    expect(player.id).toBe(me.id);
    expect(player.attrs.hops).toBe(1);
    expect(player.attrs.name).toBe(me.attrs.name);
    // Calls reach it where it is now; its crossCall goes to the beacon of the game it left.
    client.call(me.id, 'echo', 2);
    client.call(me.id, 'crossCall', 1);
    await client.waitCall('onEcho', (a) => a[0] === 2);
    const cross = await client.waitCall('onCross', (a) => a[0] === 1);
    expect(cross.args[1]).toBe(from);
    // What it sees now is the other World's: none of the entities it saw before.
    await client.waitFor(() => [...client.entities.values()].some((e) => !e.isPlayer), 'an entity of the new World');
    for (const e of client.entities.values()) if (!e.isPlayer) expect(seenBefore.has(e.id)).toBe(false);
    // The score timer came along: the score still rises.
    const score = player.attrs.score as number;
    await client.waitFor(() => (client.player!.attrs.score as number) > score, 'the score timer running on the new game');
    expect(client.closed).toBeNull();
    expect(client.errors).toEqual([]);
  });
});

type Where = [gameId: number, spaceId: string, kind: string, n: number, ticks: number, timers: number, x: number, z: number];

/** A Pilot's client: where() answered, in order, and the calls it got. */
async function pilot(url: string): Promise<{ client: TestClient; where(): Promise<Where>; calls(method: string): unknown[][] }> {
  const client = await testClient(url);
  const me = await client.waitForPlayer();
  let asked = 0;
  const calls = (method: string) => client.calls.filter((c) => c.method === method).map((c) => c.args);
  return {
    client,
    calls,
    async where() {
      const before = calls('onWhere').length;
      asked++;
      client.call(me.id, 'where');
      await client.waitFor(() => calls('onWhere').length > before, `where #${asked}`);
      return calls('onWhere')[before] as Where;
    },
  };
}

/**
 * Migration edge cases on real processes, with a fixture game whose Pilot moves between the games'
 * Arenas (fixed ids): a space on another game, the nil space of another game, a second migration while
 * one runs, an unknown space, and the target stopped and declared down in the middle of the hand-off.
 */
describe('migration edge cases (2 dispatchers, 2 games, 1 gate)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsworld-migrate-'));
  let d: TestDeployment;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    d = await startDeployment({
      entry: writeMigrateGame(dir), dispatchers: 2, games: 2, gates: 1,
      sections: { liveness: { heartbeatMs: 250, timeoutMs: 2000 }, supervision: { enabled: false } },
    });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await wakeStopped(d);
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function connect() {
    const p = await pilot(d.wsUrls[0]!);
    clients.push(p.client);
    let at = await p.where();
    // Connected before its game's Arena existed: it enters it now (a local enterSpace).
    // (The enterSpace waits for the game's next commit; where() is answered at once.)
    for (let tries = 0; at[2] !== 'Arena' && tries < 20; tries++) {
      p.client.call(p.client.player!.id, 'go', arenaId(at[0]));
      await new Promise((resolve) => setTimeout(resolve, 200));
      at = await p.where();
    }
    expect(at[2]).toBe('Arena');
    return { ...p, id: p.client.player!.id, game: at[0] };
  }

  it('enterSpace(spaceId, pos) of another game: calls before, during and after arrive in order, timers and attributes come along', async () => {
    const p = await connect();
    const to = 3 - p.game;
    // Calls sent before the request, while it is under way (one every 2 ms until the entity arrived) and after.
    for (let seq = 1; seq <= 10; seq++) p.client.call(p.id, 'inc', seq);
    p.client.call(p.id, 'goAt', arenaId(to), 12.5, 7.25);
    let seq = 10;
    while (p.calls('onArrived').length === 0 && seq < 2000) {
      p.client.call(p.id, 'inc', ++seq);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    for (let k = 0; k < 5; k++) p.client.call(p.id, 'inc', ++seq);
    const sent = seq;
    await p.client.waitFor(() => p.calls('onInc').length === sent, `${sent} inc replies`);
    const incs = p.calls('onInc') as [number, number, number][];
    expect(incs.map(([k]) => k)).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
    expect(incs.map(([, n]) => n)).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
    // Answered by the source up to the hand-off, by the target after it, never back and forth.
    const games = incs.map(([, , g]) => g).join('');
    expect(games).toMatch(new RegExp(`^${p.game}+${to}+$`));
    expect(p.calls('onArrived')).toEqual([[to]]);
    const at = await p.where();
    expect(at.slice(0, 4)).toEqual([to, arenaId(to), 'Arena', sent]);
    expect(at[5]).toBe(1);
    expect(at.slice(6)).toEqual([12.5, 7.25]);
    const ticks = at[4];
    await p.client.waitFor(() => (p.client.player?.attrs.ticks as number) > ticks + 3, 'the tick timer running on the target');
    expect(p.client.closed).toBeNull();
    expect(p.client.errors).toEqual([]);
  });

  it('enterSpace(nilSpaceId(g)) moves the entity to game g; a second migration while one runs is refused with MIGRATION_IN_PROGRESS; an unknown space with UNKNOWN_SPACE', async () => {
    const p = await connect();
    const to = 3 - p.game;
    p.client.call(p.id, 'go', nilSpaceId(to));
    await p.client.waitCall('onArrived', (a) => a[0] === to);
    expect((await p.where()).slice(0, 3)).toEqual([to, nilSpaceId(to), '__nil__']);

    p.client.call(p.id, 'goTwice', arenaId(p.game));
    await p.client.waitCall('onFailed', (a) => a[0] === 'MIGRATION_IN_PROGRESS');
    await p.client.waitCall('onArrived', (a) => a[0] === p.game);
    expect(p.calls('onArrived')).toEqual([[to], [p.game]]);
    expect((await p.where()).slice(0, 3)).toEqual([p.game, arenaId(p.game), 'Arena']);

    p.client.call(p.id, 'go', 'NoSuchSpace00000');
    await p.client.waitCall('onFailed', (a) => a[0] === 'UNKNOWN_SPACE');
    expect((await p.where()).slice(0, 3)).toEqual([p.game, arenaId(p.game), 'Arena']);
    expect(p.calls('onFailed')).toEqual([['MIGRATION_IN_PROGRESS'], ['UNKNOWN_SPACE']]);
    expect(p.client.errors).toEqual([]);
  });

  it('a migration into a space being destroyed on the target: refused, or in the target\'s nil space, or destroyed with the space (its client told), never silently gone', async () => {
    const p = await connect();
    const to = 3 - p.game;
    let q = await connect();
    for (let i = 0; i < 6 && q.game !== to; i++) q = await connect();
    expect(q.game).toBe(to);
    // A fresh space on the target, known to the dispatchers once its game announced it.
    p.client.call(p.id, 'mkSpace', to);
    const space = (await p.client.waitCall('onSpace')).args[0] as string;
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Q leaves its Arena for the nil space, so that only the new space's fate matters.
    q.client.call(q.id, 'go', nilSpaceId(to));
    await new Promise((resolve) => setTimeout(resolve, 200));
    p.client.call(p.id, 'go', space);
    q.client.call(q.id, 'dropSpace', space);
    await q.client.waitCall('onDropped');
    // The outcome is one of three, each visible to the client.
    const outcome = await p.client.waitFor(() => {
      if (p.calls('onFailed').length > 0) return 'refused';
      if (p.client.player === null) return 'destroyed';
      if (p.calls('onArrived').length > 0) return 'arrived';
      return undefined;
    }, 'the migration\'s outcome');
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (outcome === 'refused') {
      expect(p.calls('onFailed')).toEqual([['UNKNOWN_SPACE']]);
      expect((await p.where()).slice(0, 2)).toEqual([p.game, arenaId(p.game)]);
    } else if (p.client.player === null) {
      // It arrived into the space and was destroyed with it (destroying a space destroys its members): the
      // client saw its player destroyed, and a call to it is refused.
      p.client.call(p.id, 'where');
      await p.client.waitFor(() => p.client.errors.find((e) => e.code === 1), 'UNKNOWN_ENTITY for the destroyed player');
    } else {
      expect((await p.where()).slice(0, 3)).toEqual([to, nilSpaceId(to), '__nil__']);
    }
    console.log(`migration into a space being destroyed: ${p.client.player === null ? 'destroyed with it' : outcome}`);
  });

  it('the target stops in the middle of the hand-off and is declared down: the entity comes back to its space on the source, with the calls made meanwhile, and exists once', async () => {
    const p = await connect();
    const to = 3 - p.game;
    const status = await d.status();
    const target = status.processes.find((x) => x.role === 'game' && x.id === to)!.pid;
    process.kill(target, 'SIGSTOP');
    try {
      p.client.call(p.id, 'go', arenaId(to));
      for (let seq = 1; seq <= 5; seq++) p.client.call(p.id, 'inc', seq);
      // The dispatcher declares the stopped game down after liveness.timeoutMs and gives the entity back.
      await p.client.waitCall('onArrived', (a) => a[0] === p.game, 20_000);
      await p.client.waitFor(() => p.calls('onInc').length === 5, 'the calls made during the hand-off');
      expect((p.calls('onInc') as number[][]).map(([seq, n, g]) => [seq, n, g])).toEqual([1, 2, 3, 4, 5].map((k) => [k, k, p.game]));
      const at = await p.where();
      expect(at.slice(0, 4)).toEqual([p.game, arenaId(p.game), 'Arena', 5]);
      expect(at[5]).toBe(1);
    } finally {
      process.kill(target, 'SIGKILL');
    }
    // Nothing ever arrived on the target, and the entity answers once per call.
    expect(p.calls('onArrived')).toEqual([[p.game]]);
    const before = p.calls('onWhere').length;
    await p.where();
    expect(p.calls('onWhere').length).toBe(before + 1);
    expect(p.client.closed).toBeNull();
  });
});
