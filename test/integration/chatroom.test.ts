import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startDeployment, type TestDeployment } from '../support/deployment.ts';
import { testClient, type TestClient } from '../support/clients.ts';

const entry = join(repoRoot, 'examples', 'chatroom', 'game', 'main.ts');

/** Registers (if asked) and logs in; resolves with the client once its Avatar is its player. */
async function login(client: TestClient, user: string, password: string, register: boolean): Promise<void> {
  const account = await client.waitForPlayer();
  if (register) {
    client.call(account.id, 'register', user, password);
    const reply = await client.waitCall('onRegister');
    expect(reply.args).toEqual([true, '']);
  }
  client.call(account.id, 'login', user, password);
  await client.waitFor(() => client.player?.typeName === 'Avatar', `${user}'s avatar`);
}

// With 2 dispatchers entities shard by id (GoWorld's rule) and every game and gate talks to both.
describe.each([1, 2])('chatroom on a real deployment (%i dispatcher(s), 2 games, 2 gates)', (DISPATCHERS) => {
  let d: TestDeployment;
  const clients: TestClient[] = [];
  const connect = async (gate: number) => {
    const c = await testClient(d.wsUrls[gate]);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    d = await startDeployment({ entry, metrics: true, dispatchers: DISPATCHERS });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    if (d) {
      const dir = d.dir;
      await d.stop();
      // Nothing of the deployment may outlive stop.
      const { stdout } = await d.cli('status', dir, '--json');
      expect(JSON.parse(stdout).processes).toEqual([]);
    }
  });

  it('starts five live processes and reports them with status --json', async () => {
    const status = await d.status();
    const dispatchers = Array.from({ length: DISPATCHERS }, (_, i) => `dispatcher${i + 1}`);
    expect(status.processes.map((p) => `${p.role}${p.id}`).sort()).toEqual([...dispatchers, 'game1', 'game2', 'gate1', 'gate2']);
    expect(status.processes.every((p) => p.alive && p.pid > 0)).toBe(true);
    expect(status.processes.filter((p) => p.role === 'gate').every((p) => p.url?.startsWith('http://127.0.0.1:'))).toBe(true);
  });

  it('serves Prometheus metrics on every process', async () => {
    const game = await (await fetch(`http://127.0.0.1:${d.config.games[0].metricsPort}/metrics`)).text();
    expect(game).toMatch(/tsworld_tick_duration_seconds_count\{[^}]*role="game"[^}]*\} [1-9]/);
    expect(game).toMatch(/tsworld_entities\{/);
    const gate = await (await fetch(`http://127.0.0.1:${d.config.gates[0].metricsPort}/metrics`)).text();
    expect(gate).toMatch(/tsworld_clients\{[^}]*role="gate"/);
  });

  it('refuses a second start of a running deployment', async () => {
    await expect(d.cli('start', d.dir)).rejects.toThrow(/already running/);
  });

  it('registers, logs in, chats across gates, and keeps rooms apart', async () => {
    const alice = await connect(0);
    const bob = await connect(1);
    const carol = await connect(1);
    await login(alice, 'alice', 'secret-a', true);
    await login(bob, 'bob', 'secret-b', true);
    await login(carol, 'carol', 'secret-c', true);
    expect(alice.player!.attrs).toMatchObject({ name: 'alice', chatroom: 'lobby' });

    // A taken name and a wrong password are refused with a reason.
    const eve = await connect(0);
    const evesAccount = await eve.waitForPlayer();
    eve.call(evesAccount.id, 'register', 'alice', 'whatever');
    expect((await eve.waitCall('onRegister')).args).toEqual([false, 'alice is taken']);
    eve.call(evesAccount.id, 'login', 'alice', 'wrong-password');
    expect((await eve.waitCall('onLogin')).args).toEqual([false, 'unknown user or wrong password']);

    alice.call(alice.player!.id, 'sendChat', 'hello from gate 1');
    for (const c of [alice, bob, carol]) {
      const msg = await c.waitCall('onChat', (a) => a[2] === 'hello from gate 1');
      expect(msg.args).toEqual(['alice', 'lobby', 'hello from gate 1']);
    }

    bob.call(bob.player!.id, 'sendChat', '/join games');
    await bob.waitCall('onSystem', (a) => a[0] === 'you joined #games');
    await bob.waitFor(() => bob.player!.attrs.chatroom === 'games', 'chatroom attr delta');

    alice.call(alice.player!.id, 'sendChat', 'lobby only');
    // carol shares bob's gate: once she has it, bob would have it too if the filter let it through.
    await carol.waitCall('onChat', (a) => a[2] === 'lobby only');
    expect(bob.calls.some((c) => c.method === 'onChat' && c.args[2] === 'lobby only')).toBe(false);

    bob.call(bob.player!.id, 'sendChat', 'games only');
    await bob.waitCall('onChat', (a) => a[2] === 'games only');
    alice.call(alice.player!.id, 'sendChat', 'marker');
    await carol.waitCall('onChat', (a) => a[2] === 'marker');
    await alice.waitCall('onChat', (a) => a[2] === 'marker');
    expect(alice.calls.some((c) => c.args[2] === 'games only')).toBe(false);
    expect(carol.calls.some((c) => c.args[2] === 'games only')).toBe(false);
  });

  it('delivers cross-game RPCs in the order they were sent', async () => {
    // Log players in until two avatars run on different games (placement is by load, so it varies).
    const players: { client: TestClient; game: number }[] = [];
    for (let i = 0; i < 8 && new Set(players.map((p) => p.game)).size < 2; i++) {
      const c = await connect(i % 2);
      await login(c, `relay${i}`, 'secret-r', true);
      c.call(c.player!.id, 'whereAmI');
      players.push({ client: c, game: (await c.waitCall('onWhere')).args[0] as number });
    }
    const from = players[0];
    const to = players.find((p) => p.game !== from.game);
    expect(to, 'two avatars on different games').toBeDefined();
    const N = 200;
    for (let seq = 1; seq <= N; seq++) from.client.call(from.client.player!.id, 'relay', to!.client.player!.id, seq);
    await to!.client.waitFor(() => to!.client.calls.filter((c) => c.method === 'onRelayed').length >= N, `${N} relayed calls`);
    const seqs = to!.client.calls.filter((c) => c.method === 'onRelayed').map((c) => c.args[1]);
    expect(seqs).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(to!.client.calls.find((c) => c.method === 'onRelayed')!.args[2]).toBe(to!.game);
  });

  it('keeps the avatar across logout and login on another gate', async () => {
    const dave = await connect(1);
    await login(dave, 'dave', 'secret-d', true);
    dave.call(dave.player!.id, 'sendChat', '/join quiet');
    await dave.waitFor(() => dave.player!.attrs.chatroom === 'quiet', 'room change');
    const avatarId = dave.player!.id;
    dave.close();
    await dave.waitFor(() => dave.closed, 'close');

    const again = await connect(0);
    await login(again, 'dave', 'secret-d', false);
    expect(again.player!.id).toBe(avatarId);
    expect(again.player!.attrs).toMatchObject({ name: 'dave', chatroom: 'quiet' });
    await again.waitCall('onSystem', (a) => a[0] === 'welcome dave, you are in #quiet');
  });
});
