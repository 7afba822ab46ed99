import { afterEach, describe, expect, it } from 'vitest';
import { connectClient } from '../../../src/client/index.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { t } from '../../../src/core/value-types.ts';
import { CLOSE_CODES, MSG, PROTOCOL_VERSION } from '../../../src/protocol/index.ts';
import { defineGame } from '../../../src/roles/game/game-module.ts';
import { createTestCluster, type TestCluster } from '../../../src/testing/test-cluster.ts';

/**
 * The gate's edge on real roles in this process, on the fake clock: deadlines are exact (no sleeping,
 * nothing depends on the machine's speed), and per-address admission is driven from several addresses.
 */
const Player = defineEntityType({
  name: 'Player',
  rpc: {
    kickMe: {
      expose: 'ownClient',
      args: [t.string],
      fn(e, why) {
        // The kick must not overtake what was sent to the client just before it.
        e.callClient('farewell', [why]);
        e.world.cluster.kickClient(e.id, why);
      },
    },
    spawn: { expose: 'ownClient', args: [t.string], fn: (e, typeName) => void e.world.cluster.createEntityAnywhere(typeName) },
  },
});
const game = defineGame({ entityTypes: [Player], bootEntity: 'Player' });

let cluster: TestCluster;
afterEach(async () => {
  await cluster?.stop();
});

/** A raw in-memory WebSocket, for what the SDK never sends; resolves with its close. */
function raw(c: TestCluster) {
  const ws = new c.clientNetwork.WebSocket(`mem://127.0.0.1:${c.gates[0].port}/ws`);
  const events: string[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (ws.onclose = (ev) => resolve(ev)));
  ws.onmessage = (ev) => events.push(`type ${new DataView(ev.data as ArrayBuffer).getUint16(0, true)}`);
  const opened = new Promise<void>((resolve) => (ws.onopen = () => resolve()));
  return { ws, events, closed, opened };
}

describe('gate edge in one process, on the fake clock', () => {
  it('closes a connection that says nothing, exactly at the handshake deadline, and made no entity for it', async () => {
    cluster = await createTestCluster({ game, gateLimits: { handshakeTimeoutMs: 5000 } });
    const silent = raw(cluster);
    await silent.opened;
    let result: { code: number; reason: string } | undefined;
    void silent.closed.then((r) => (result = r));
    await cluster.advance(4000);
    expect(result).toBeUndefined();
    await cluster.until(() => result, 'the close', 3000);
    expect(result).toEqual({ code: CLOSE_CODES.handshake, reason: 'no HELLO within 5000 ms' });
    expect(cluster.games[0].world.entityCount).toBe(0);
  });

  it('answers HELLO with WELCOME and closes another protocol version with 4008', async () => {
    cluster = await createTestCluster({ game });
    const good = raw(cluster);
    await good.opened;
    good.ws.send(new Uint8Array([MSG.HELLO.id & 0xff, MSG.HELLO.id >> 8, PROTOCOL_VERSION, 0]));
    await cluster.until(() => good.events.includes(`type ${MSG.WELCOME.id}`), 'WELCOME');
    const old = raw(cluster);
    await old.opened;
    old.ws.send(new Uint8Array([MSG.HELLO.id & 0xff, MSG.HELLO.id >> 8, PROTOCOL_VERSION + 1, 0]));
    expect((await old.closed).code).toBe(CLOSE_CODES['protocol-version']);
  });

  it('caps connections per address and lets other addresses in', async () => {
    cluster = await createTestCluster({ game, gateLimits: { maxConnectionsPerIp: 2, connectBurstPerIp: 100 } });
    await cluster.connect({ from: '10.0.0.1' });
    await cluster.connect({ from: '10.0.0.1' });
    await expect(cluster.connect({ from: '10.0.0.1' })).rejects.toThrow(/429/);
    await expect(cluster.connect({ from: '10.0.0.2' })).resolves.toBeDefined();
    const text = await cluster.metrics.gates[0].text();
    expect(text).toMatch(/tsworld_refused_total\{limit="connections-per-ip"[^}]*\} 1/);
  });

  it('kicks a client on game code\'s word with 4010 and the reason', async () => {
    cluster = await createTestCluster({ game });
    const client = await cluster.connect();
    const player = await cluster.until(() => client.player ?? undefined, 'the player');
    let closed: { code: number; reason: string } | undefined;
    const seen: string[] = [];
    client.on('call', (_e, method, args) => seen.push(`${method}:${String(args[0])}`));
    client.on('close', (code, reason) => (closed = { code, reason }));
    client.call(player.id, 'kickMe', 'bye for now');
    await cluster.until(() => closed, 'the kick');
    expect(closed).toEqual({ code: CLOSE_CODES.kicked, reason: 'bye for now' });
    expect(seen).toEqual(['farewell:bye for now']);
  });

  it('acts on nothing a client sends after the gate refused it in the same turn', async () => {
    cluster = await createTestCluster({ game });
    const early = raw(cluster);
    await early.opened;
    // A heartbeat before HELLO is refused (4009); the HELLO right behind it must not make a boot entity.
    early.ws.send(new Uint8Array([MSG.HEARTBEAT.id & 0xff, MSG.HEARTBEAT.id >> 8]));
    early.ws.send(new Uint8Array([MSG.HELLO.id & 0xff, MSG.HELLO.id >> 8, PROTOCOL_VERSION, 0]));
    expect((await early.closed).code).toBe(CLOSE_CODES.handshake);
    await cluster.advance(500);
    expect(cluster.games[0].world.entityCount).toBe(0);
  });

  it('keeps a game whose code asks for a type name no frame can carry: the caller gets INVALID_ARGUMENT', async () => {
    const errors: string[] = [];
    cluster = await createTestCluster({ game });
    const client = await cluster.connect();
    const player = await cluster.until(() => client.player ?? undefined, 'the player');
    client.on('error', (e) => errors.push(`${e.code} ${e.message}`));
    client.call(player.id, 'spawn', 'T'.repeat(65));
    await cluster.until(() => errors.length > 0, 'the refusal');
    expect(errors).toEqual(['5 Player.spawn failed on the server']);
    expect(cluster.dispatchers[0].stats.games).toBe(1);
    // The game still serves: the same client's next call is answered.
    client.call(player.id, 'kickMe', 'still here');
    await cluster.until(() => !client.connected, 'the kick');
  });

  it('answers a call to an id that exists nowhere with ERROR 1, from the dispatcher', async () => {
    cluster = await createTestCluster({ game });
    const client = await cluster.connect();
    const errors: string[] = [];
    client.on('error', (e) => errors.push(`${e.code} ${e.message}`));
    client.call('NoSuchEntity0001', 'kickMe', 'x');
    await cluster.until(() => errors.length > 0, 'the ERROR');
    expect(errors).toEqual(['1 no entity NoSuchEntity0001']);
  });
});

describe('SDK against the in-process gate', () => {
  it('rejects connecting with the gate\'s refusal when admission says no', async () => {
    cluster = await createTestCluster({ game, gateLimits: { maxConnections: 1, maxConnectionsPerIp: 1 } });
    await cluster.connect();
    const url = `mem://127.0.0.1:${cluster.gates[0].port}/ws`;
    await expect(connectClient({ url, WebSocket: cluster.clientNetwork.from('10.9.9.9') })).rejects.toThrow(/503/);
  });
});

describe('in-process cluster with real gate ports', () => {
  it('serves SDK clients over a real WebSocket on 127.0.0.1', async () => {
    cluster = await createTestCluster({ game, clients: 'socket', clock: 'system' });
    const client = await cluster.connect();
    const player = await cluster.until(() => client.player ?? undefined, 'the player');
    expect(player.typeName).toBe('Player');
  });
});
