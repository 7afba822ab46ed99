import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerGame } from '../../examples/mmo/game/layout.ts';
import { testClient, type TestClient } from '../support/clients.ts';
import { repoRoot, startDeployment, type TestDeployment } from '../support/deployment.ts';

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
