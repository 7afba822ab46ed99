import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connectClient, type ClientOptions, type TsworldClient, type WebSocketConstructor, type WebSocketLike } from '../../../src/client/index.ts';
import { createGridAoi } from '../../../src/aoi/index.ts';
import { createLogger } from '../../../src/observability/index.ts';
import { createPackr, createWireCodec } from '../../../src/protocol/index.ts';
import { startGameServer } from '../../../src/roles/game/game-server.ts';
import { createTestCluster, type TestCluster } from '../../../src/testing/test-cluster.ts';
import { createSystemClock, createSystemScheduler } from '../../../src/tick/clock.ts';
import { recordClient, type TestClient } from '../../support/clients.ts';
import { writeResumeGame } from '../../fixtures/resume-game.ts';

/**
 * Reconnect and resume on real dispatcher, game and gate roles in one process (fake clock, in-memory
 * sockets): a client whose socket drops comes back to the same entity within the grace period, on its
 * gate or another one, with a fresh snapshot and its queued calls; after the grace period it gets a new
 * entity, and the old one hears onClientDisconnected with the reason.
 */
const dir = mkdtempSync(join(tmpdir(), 'tsworld-resume-unit-'));
const entry = writeResumeGame(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The in-memory WebSocket constructor, keeping every socket so a test can drop the current one. */
function recordingSockets(Base: new (url: string) => WebSocketLike): { Ctor: WebSocketConstructor; sockets: WebSocketLike[] } {
  const sockets: WebSocketLike[] = [];
  const Ctor = function (url: string) {
    const socket = new Base(url);
    sockets.push(socket);
    return socket;
  } as unknown as WebSocketConstructor;
  return { Ctor, sockets };
}

interface Events {
  reconnecting: number;
  resumed: string[];
  failed: string[];
  dropped: number;
}

async function connect(c: TestCluster, options: Partial<ClientOptions> & { gate?: number } = {}) {
  const { Ctor, sockets } = recordingSockets(c.clientNetwork.from('127.0.0.1'));
  const port = c.gates[(options.gate ?? 1) - 1].port;
  const raw: TsworldClient = await connectClient({ url: `mem://127.0.0.1:${port}/ws`, WebSocket: Ctor, heartbeatMs: 1000, reconnect: { initialDelayMs: 1, maxDelayMs: 5 }, ...options });
  const events: Events = { reconnecting: 0, resumed: [], failed: [], dropped: 0 };
  raw.on('reconnecting', () => void events.reconnecting++);
  raw.on('resumed', (player) => void events.resumed.push(player.id));
  raw.on('resumeFailed', (reason) => void events.failed.push(reason));
  raw.on('dropped', (count) => void (events.dropped += count));
  const client = recordClient(raw, { until: (probe, what, ms) => c.until(probe, what, ms) });
  await client.waitFor(() => client.entities.size >= 3 && (client.player ?? undefined), 'player and both npcs');
  /** An abnormal drop of the current socket, as a network cut: both ends see 1006. */
  const drop = () => sockets[sockets.length - 1].close(1006, 'network cut');
  return { client, events, drop, sockets };
}

const bumpsOf = (client: TestClient, seq: number) => client.waitCall('onBump', (args) => args[0] === seq).then((call) => call.args[1]);

describe('reconnect and resume (in process)', () => {
  let c: TestCluster | undefined;
  afterEach(async () => {
    await c?.stop();
    c = undefined;
  });

  it('resumes the same entity after a drop, with a fresh snapshot of it and its AOI, and sends the calls queued meanwhile', async () => {
    c = await createTestCluster({ game: entry, gates: 2 });
    const { client, events, drop } = await connect(c, { reconnect: { initialDelayMs: 1, maxDelayMs: 5, urls: [] } });
    const player = client.player!.id;
    // The typed handle too: it goes through the same queue.
    client.entity(player).call.bump(1);
    expect(await bumpsOf(client, 1)).toBe(1);
    drop();
    await client.waitFor(() => events.reconnecting === 1, 'the drop noticed');
    client.call(player, 'bump', 2);
    client.call(player, 'bump', 3);
    await client.waitFor(() => events.resumed.length === 1, 'resumed');
    expect(events.resumed).toEqual([player]);
    expect(client.player?.id).toBe(player);
    expect(await bumpsOf(client, 3)).toBe(3);
    await client.waitFor(() => client.entities.size === 3, 'the npcs again');
    expect([...client.entities.values()].filter((e) => !e.isPlayer).map((e) => e.attrs.label).sort()).toEqual(['north', 'south']);
    expect(client.player?.attrs.bumps).toBe(3);
    client.call(player, 'players');
    const players = await client.waitCall('onPlayers');
    expect(players.args[0]).toEqual([player]);
    expect(events.failed).toEqual([]);
    expect(events.dropped).toBe(0);
    expect((await c.metrics.gates[0].text()) + (await c.metrics.gates[1].text())).toMatch(/tsworld_client_resumes_total\{[^}]*outcome="resumed"[^}]*\} 1/);
  });

  it('keeps the filter properties game code set on the client (a resumed client still hears its room)', async () => {
    c = await createTestCluster({ game: entry, gates: 2 });
    const urls = [`mem://127.0.0.1:${c.gates[1].port}/ws`];
    const { client, events, drop } = await connect(c, { reconnect: { initialDelayMs: 1, maxDelayMs: 5, urls } });
    const player = client.player!.id;
    client.call(player, 'joinRoom', 'red');
    await client.waitCall('onJoined');
    drop();
    await client.waitFor(() => events.resumed.length === 1, 'resumed on gate 2');
    client.call(player, 'shout', 'red', 'still here?');
    expect((await client.waitCall('onShout')).args).toEqual(['still here?']);
  });

  it('keeps at most maxQueuedCalls while away and reports the rest as dropped', async () => {
    c = await createTestCluster({ game: entry });
    // The first attempt 250-750 ms (real time) after the drop: the calls below are made while away.
    const { client, events, drop } = await connect(c, { reconnect: { initialDelayMs: 500, maxDelayMs: 500, maxQueuedCalls: 2 } });
    const player = client.player!.id;
    drop();
    await client.waitFor(() => events.reconnecting === 1, 'the drop noticed');
    for (let seq = 1; seq <= 5; seq++) client.call(player, 'bump', seq);
    expect(events.dropped).toBe(3);
    await client.waitFor(() => events.resumed.length === 1, 'resumed', 600_000);
    expect(await bumpsOf(client, 2)).toBe(2);
    client.call(player, 'bump', 6);
    expect(await bumpsOf(client, 6)).toBe(3);
    expect(client.calls.filter((call) => call.method === 'onBump').map((call) => call.args[0])).toEqual([1, 2, 6]);
  });

  it('gives up after maxAttempts: close, and the calls queued meanwhile reported as dropped', async () => {
    c = await createTestCluster({ game: entry });
    const nowhere = 'mem://127.0.0.1:1/ws';
    const { client, events, drop } = await connect(c, { reconnect: { initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 3, urls: [nowhere] } });
    const player = client.player!.id;
    drop();
    await client.waitFor(() => events.reconnecting >= 1, 'the drop noticed');
    // Queued while it still tries, or refused once it gave up: reported as dropped either way.
    client.call(player, 'bump', 1);
    await client.waitFor(() => client.closed ?? undefined, 'the close');
    expect(events.reconnecting).toBe(3);
    expect(events.dropped).toBe(1);
    expect(client.connected).toBe(false);
  });

  it('resumes with two dispatchers (the entity\'s dispatcher and the one carrying its gate\'s traffic may differ)', async () => {
    c = await createTestCluster({ game: entry, dispatchers: 2, gates: 2 });
    for (const gate of [1, 2]) {
      const other = `mem://127.0.0.1:${c.gates[2 - gate].port}/ws`;
      const { client, events, drop } = await connect(c, { gate, reconnect: { initialDelayMs: 1, maxDelayMs: 5, urls: [other] } });
      const player = client.player!.id;
      drop();
      await client.waitFor(() => events.resumed.length === 1, `resumed from gate ${gate} on the other`);
      client.call(player, 'bump', 1);
      expect(await bumpsOf(client, 1)).toBe(1);
      expect(client.player?.id).toBe(player);
      await client.waitFor(() => [...client.entities.values()].filter((e) => e.typeName === 'Npc').length === 2 || undefined, 'the npcs again');
    }
  });

  it('resumes onto the entity game code gave the client to while it was away', async () => {
    c = await createTestCluster({ game: entry });
    const { client, events, drop } = await connect(c, { reconnect: { initialDelayMs: 500, maxDelayMs: 500 } });
    client.call(client.player!.id, 'giveToNpcIn', 100);
    drop();
    await client.waitFor(() => events.resumed.length === 1, 'resumed', 600_000);
    expect(client.player?.typeName).toBe('Npc');
    expect(events.resumed).toEqual([client.player!.id]);
    expect(events.failed).toEqual([]);
  });

  it('a player that migrates to another game while its client is away is resumed there', async () => {
    c = await createTestCluster({ game: entry, games: 2 });
    const { Ctor, sockets } = recordingSockets(c.clientNetwork.from('127.0.0.1'));
    const raw = await connectClient({
      url: `mem://127.0.0.1:${c.gates[0].port}/ws`, WebSocket: Ctor, heartbeatMs: 1000, reconnect: { initialDelayMs: 500, maxDelayMs: 500 },
    });
    let resumed = 0;
    raw.on('resumed', () => void resumed++);
    const away = recordClient(raw, { until: (probe, what, ms) => c!.until(probe, what, ms) });
    const player = (await away.waitForPlayer()).id;
    away.call(player, 'whereAmI');
    const target = (await away.waitCall('onWhere')).args[0] === 1 ? 2 : 1;
    // It migrates 100 ms into the 250-750 ms (real time) the client is away, carrying its grace period.
    away.call(player, 'moveToGameIn', target, 100);
    sockets[0]!.close(1006, 'network cut');
    await away.waitFor(() => resumed === 1, 'resumed', 600_000);
    expect(away.player?.id).toBe(player);
    away.calls.length = 0;
    away.call(player, 'whereAmI');
    expect((await away.waitCall('onWhere')).args[0]).toBe(target);
  });

  it('a player that migrates while its client is away still has its grace period end on the target game', async () => {
    c = await createTestCluster({ game: entry, games: 2, resumeGraceMs: 1000 });
    const { Ctor, sockets } = recordingSockets(c.clientNetwork.from('127.0.0.1'));
    const away = recordClient(await connectClient({ url: `mem://127.0.0.1:${c.gates[0].port}/ws`, WebSocket: Ctor, heartbeatMs: 1000 }), {
      until: (probe, what, ms) => c!.until(probe, what, ms),
    });
    const player = (await away.waitForPlayer()).id;
    away.call(player, 'whereAmI');
    const target = (await away.waitCall('onWhere')).args[0] === 1 ? 2 : 1;
    away.call(player, 'moveToGameIn', target, 200);
    await c.advance(100);
    sockets[0]!.close(1006, 'network cut');
    await c.until(() => c!.games[target - 1].world.entity(player) ?? undefined, 'the player on the target game');
    await c.until(() => c!.games[target - 1].world.entity(player)?.client === null || undefined, 'the grace period to end there', 10_000);
    const late = recordClient(await c.connect(), { until: (probe, what, ms) => c!.until(probe, what, ms) });
    await late.waitForPlayer();
    late.call(late.player!.id, 'disconnectOf', player);
    expect((await late.waitCall('onDisconnectOf')).args).toEqual([player, 'connection-lost']);
  });

  it('resumes on another gate', async () => {
    c = await createTestCluster({ game: entry, gates: 2 });
    const other = `mem://127.0.0.1:${c.gates[1].port}/ws`;
    const { client, events, drop } = await connect(c, { reconnect: { initialDelayMs: 1, maxDelayMs: 5, urls: [other] } });
    const player = client.player!.id;
    drop();
    await client.waitFor(() => events.resumed.length === 1, 'resumed');
    expect(c.gates[1].clientCount).toBe(1);
    client.call(player, 'bump', 7);
    expect(await bumpsOf(client, 7)).toBe(1);
    expect(client.player?.id).toBe(player);
  });

  it('after the grace period: the old entity hears onClientDisconnected with the reason, and the client a new entity', async () => {
    c = await createTestCluster({ game: entry, resumeGraceMs: 100 });
    // The first attempt comes at least 500 ms (real time) after the drop: well after the grace period.
    const { client, events, drop } = await connect(c, { reconnect: { initialDelayMs: 1000, maxDelayMs: 1000 } });
    const old = client.player!.id;
    drop();
    await client.waitFor(() => events.reconnecting === 1, 'the drop noticed');
    client.call(old, 'bump', 1);
    await c.advance(300);
    await client.waitFor(() => events.failed.length === 1 && (client.player ?? undefined), 'the resume refused and a new player', 600_000);
    expect(events.resumed).toEqual([]);
    expect(events.dropped).toBe(1);
    expect(client.player!.id).not.toBe(old);
    client.call(client.player!.id, 'disconnectOf', old);
    expect((await client.waitCall('onDisconnectOf')).args).toEqual([old, 'connection-lost']);
    expect(await c.metrics.games[0].text()).toMatch(/tsworld_client_resumes_total\{[^}]*outcome="expired"[^}]*\} 1/);
  });

  it('a gate that goes away: its clients resume on the other gate (gate-lost keeps the binding)', async () => {
    c = await createTestCluster({ game: entry, gates: 2 });
    const urls = c.gates.map((g) => `mem://127.0.0.1:${g.port}/ws`);
    const { client, events } = await connect(c, { reconnect: { initialDelayMs: 1, maxDelayMs: 5, urls } });
    const player = client.player!.id;
    await c.gates[0].stop();
    await client.waitFor(() => events.resumed.length === 1, 'resumed on gate 2');
    expect(client.player?.id).toBe(player);
    expect(c.gates[1].clientCount).toBe(1);
    client.call(player, 'bump', 1);
    expect(await bumpsOf(client, 1)).toBe(1);
    client.call(player, 'disconnectOf', player);
    expect((await client.waitCall('onDisconnectOf')).args).toEqual([player, '']);
  });

  it('a kicked client is unbound at once (kicked) and does not reconnect', async () => {
    c = await createTestCluster({ game: entry });
    const { client, events } = await connect(c);
    const old = client.player!.id;
    client.call(old, 'kickMe');
    await client.waitFor(() => client.closed ?? undefined, 'the kick');
    expect(client.closed?.code).toBe(4010);
    expect(events.reconnecting).toBe(0);
    const late = recordClient(await c.connect(), { until: (probe, what, ms) => c!.until(probe, what, ms) });
    await late.waitForPlayer();
    late.call(late.player!.id, 'disconnectOf', old);
    expect((await late.waitCall('onDisconnectOf')).args).toEqual([old, 'kicked']);
  });

  it('a client that closes itself is unbound at once (client-closed), without a grace period', async () => {
    c = await createTestCluster({ game: entry });
    const { client } = await connect(c);
    const old = client.player!.id;
    client.close();
    const late = recordClient(await c.connect(), { until: (probe, what, ms) => c!.until(probe, what, ms) });
    await late.waitForPlayer();
    late.call(late.player!.id, 'disconnectOf', old);
    expect((await late.waitCall('onDisconnectOf')).args).toEqual([old, 'client-closed']);
  });
});

describe('resume grace across a hot swap (in process)', () => {
  it('a client in its grace period when the game is swapped still expires on the new process, with its reason', async () => {
    const c = await createTestCluster({ game: entry, clock: 'system', resumeGraceMs: 1500 });
    const snapshots = mkdtempSync(join(tmpdir(), 'tsworld-resume-swap-'));
    let restored: Awaited<ReturnType<typeof startGameServer>> | undefined;
    try {
      const { client, drop } = await connect(c, { reconnect: false });
      const old = client.player!.id;
      drop();
      await c.until(async () => /tsworld_clients_in_grace\{[^}]*\} 1/.test(await c.metrics.games[0].text()) || undefined, 'the client in grace');
      // Long enough for the game to acknowledge the disconnect: the successor must not get it again.
      await c.advance(500);
      const path = join(snapshots, 'game1.bin');
      await c.games[0].freeze(path);
      await c.games[0].stop({ save: false });
      restored = await startGameServer({
        id: 1, dispatchers: c.dispatchers.map((d) => ({ host: d.host, port: d.port })), module: c.games[0].module, tickHz: 20, positionSyncHz: 10,
        saveIntervalSec: 60, storage: c.storage, kv: c.kv, codec: createWireCodec({ packr: createPackr() }), resumeGraceMs: 1500,
        log: createLogger({ role: 'game', id: 1, level: 'silent', pretty: false }), aoiFactory: createGridAoi,
        runtime: { clock: createSystemClock(), scheduler: createSystemScheduler(), net: c.network }, restoreFrom: path,
      });
      const world = restored.world;
      expect(world.entityOfClient(world.entity(old)!.client!)?.id).toBe(old);
      await c.until(() => world.entity(old)?.client === null || undefined, 'the grace period to end on the new process', 20_000);
      const late = recordClient(await c.connect(), { until: (probe, what, ms) => c.until(probe, what, ms) });
      await late.waitForPlayer();
      late.call(late.player!.id, 'disconnectOf', old);
      expect((await late.waitCall('onDisconnectOf')).args).toEqual([old, 'connection-lost']);
    } finally {
      await restored?.stop({ save: false });
      await c.stop();
      rmSync(snapshots, { recursive: true, force: true });
    }
  });
});
