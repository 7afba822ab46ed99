import { expect } from 'vitest';
import type { TestClient } from '../support/clients.ts';

/**
 * The chatroom scenarios, written once and run twice: on real processes over real sockets
 * (test/integration/chatroom.test.ts) and on an in-process cluster (test/unit/testing/). `connect(gate)`
 * gives a recorded SDK client on gate `gate` (0-based); waits go through the client's `waitFor`.
 */
export type Connect = (gate: number) => Promise<TestClient>;

/** Registers (if asked) and logs in; resolves with the client once its Avatar is its player. */
export async function login(client: TestClient, user: string, password: string, register: boolean): Promise<void> {
  const account = await client.waitForPlayer();
  if (register) {
    client.call(account.id, 'register', user, password);
    const reply = await client.waitCall('onRegister');
    expect(reply.args).toEqual([true, '']);
  }
  client.call(account.id, 'login', user, password);
  await client.waitFor(() => client.player?.typeName === 'Avatar', `${user}'s avatar`);
}

export async function registersLogsInChatsAndKeepsRoomsApart(connect: Connect): Promise<void> {
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
}

export async function deliversCrossGameRpcsInOrder(connect: Connect, calls = 200): Promise<void> {
  // Log players in until two avatars run on different games. Placement is by load, and each dispatcher
  // charges a game for what it placed there since the last report, so a burst spreads within a few
  // logins; 20 leaves room for two dispatchers each charging only their own placements.
  const players: { client: TestClient; game: number }[] = [];
  for (let i = 0; i < 20 && new Set(players.map((p) => p.game)).size < 2; i++) {
    const c = await connect(i % 2);
    await login(c, `relay${i}`, 'secret-r', true);
    c.call(c.player!.id, 'whereAmI');
    players.push({ client: c, game: (await c.waitCall('onWhere')).args[0] as number });
  }
  const from = players[0];
  const to = players.find((p) => p.game !== from.game);
  expect(to, 'two avatars on different games').toBeDefined();
  for (let seq = 1; seq <= calls; seq++) from.client.call(from.client.player!.id, 'relay', to!.client.player!.id, seq);
  await to!.client.waitFor(() => to!.client.calls.filter((c) => c.method === 'onRelayed').length >= calls, `${calls} relayed calls`);
  const seqs = to!.client.calls.filter((c) => c.method === 'onRelayed').map((c) => c.args[1]);
  expect(seqs).toEqual(Array.from({ length: calls }, (_, i) => i + 1));
  expect(to!.client.calls.find((c) => c.method === 'onRelayed')!.args[2]).toBe(to!.game);
}

export async function keepsTheAvatarAcrossLogout(connect: Connect): Promise<void> {
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
}

/** The OnlineService counts each room's users, and every client in the room hears the count change. */
export async function countsUsersOnlinePerRoom(connect: Connect): Promise<void> {
  const olga = await connect(0);
  const oscar = await connect(1);
  await login(olga, 'olga', 'secret-o', true);
  await login(oscar, 'oscar', 'secret-o', true);
  const online = (c: TestClient, room: string, count: number) => c.waitCall('onOnline', (a) => a[0] === room && a[1] === count);
  const countsFrom = (c: TestClient, from: number) => c.calls.slice(from).filter((x) => x.method === 'onOnline').map((x) => x.args);

  olga.call(olga.player!.id, 'sendChat', '/join watchers');
  await online(olga, 'watchers', 1);
  oscar.call(oscar.player!.id, 'sendChat', '/join watchers');
  await online(oscar, 'watchers', 2);
  await online(olga, 'watchers', 2);

  const mark = olga.calls.length;
  oscar.call(oscar.player!.id, 'sendChat', '/join watchers-2');
  await online(oscar, 'watchers-2', 1);
  await olga.waitFor(() => countsFrom(olga, mark).some((a) => a[1] === 1), 'olga to see oscar leave');
  // A room's count goes to that room only.
  expect(countsFrom(olga, mark)).toEqual([['watchers', 1]]);

  oscar.call(oscar.player!.id, 'sendChat', '/join watchers');
  await online(oscar, 'watchers', 2);
  const before = oscar.calls.length;
  olga.close();
  await oscar.waitFor(() => countsFrom(oscar, before).some((a) => a[0] === 'watchers' && a[1] === 1), 'oscar to see olga log out');
}
