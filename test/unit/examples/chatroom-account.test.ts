import { afterEach, describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import type { EntityId } from '../../../src/core/entity-id.ts';
import type { GameWorld } from '../../../src/core/world-api.ts';
import { createWorldResources } from '../../../src/core/world-resources.ts';
import { createGameWorld } from '../../../src/core/world.ts';
import { Account } from '../../../examples/chatroom/game/account.ts';
import { REPLY } from '../../../examples/chatroom/game/account-auth.ts';
import { Avatar } from '../../../examples/chatroom/game/avatar.ts';
import { LIMITS } from '../../../examples/chatroom/game/limits.ts';
import { PASSWORD_POOL_KEY } from '../../../examples/chatroom/game/password.ts';
import { createPasswordPool } from '../../../examples/chatroom/game/password-pool.ts';

type Reply = [boolean, string];

/**
 * A lone world with the chatroom's types (local cluster and KV) and real password workers. Time only
 * moves when a test says so: `pump` steps with dt 0, so the per-connection window is deterministic.
 */
function chatroom() {
  const resources = createWorldResources();
  const errors: unknown[] = [];
  const world: GameWorld = createGameWorld({
    entityTypes: [Account, Avatar],
    aoiFactory: createBruteForceAoi,
    resources,
    onError: (err) => errors.push(err),
  });
  const replies = new Map<EntityId, Reply[]>();
  const drain = () =>
    world.drainClientCalls((c) => {
      if (c.method !== 'onRegister' && c.method !== 'onLogin') return;
      const list = replies.get(c.entity) ?? [];
      list.push(c.args as Reply);
      replies.set(c.entity, list);
    });
  const pump = async () => {
    world.step(0);
    drain();
    // Worker answers arrive as events: give them a turn of the event loop.
    await new Promise((r) => setTimeout(r, 2));
  };
  let clients = 0;
  const connect = (): { id: EntityId; client: string; call(method: 'register' | 'login', user: string, pw: string): void } => {
    const client = `client-${++clients}`;
    const id = world.createEntity('Account', { client });
    world.step(0);
    return { id, client, call: (method, user, pw) => void world.call(id, method, [user, pw], { kind: 'client', clientId: client }) };
  };
  /** Steps until `id` has `n` replies (bounded, never a timing assertion). */
  const repliesOf = async (id: EntityId, n: number): Promise<Reply[]> => {
    for (let i = 0; i < 5000 && (replies.get(id)?.length ?? 0) < n; i++) await pump();
    const got = replies.get(id) ?? [];
    expect(got.length, `replies of ${id}`).toBeGreaterThanOrEqual(n);
    return got;
  };
  /**
   * A login that passed hands its client over and destroys the Account. Only that much is checked: in a
   * lone world the local cluster runs giveClientTo a tick late, after the Account is gone (the
   * deployment test covers the handover itself).
   */
  const loggedIn = async (id: EntityId) => {
    for (let i = 0; i < 5000 && world.entity(id) !== undefined; i++) await pump();
    expect(world.entity(id), 'the Account is gone').toBeUndefined();
    expect(replies.get(id)?.filter(([, why]) => why !== REPLY.wrongPassword && why !== '') ?? []).toEqual([]);
  };
  const advance = (seconds: number) => {
    world.step(seconds);
    drain();
  };
  return { world, resources, errors, connect, repliesOf, loggedIn, advance };
}

const open: ReturnType<typeof chatroom>[] = [];
function setup() {
  const room = chatroom();
  open.push(room);
  return room;
}

afterEach(async () => {
  for (const room of open.splice(0)) {
    await room.resources.closeAll();
    // The one error expected: the local cluster's late giveClientTo (see loggedIn). No handler threw.
    for (const err of room.errors) expect(String(err)).toMatch(/UNKNOWN_ENTITY|no entity/);
  }
});

describe('chatroom Account: passwords on the pool, attempt limits', () => {
  it('registers, then logs in and hands the client to the avatar', async () => {
    const { connect, repliesOf, loggedIn } = setup();
    const c = connect();
    c.call('register', 'alice', 'secret-a');
    expect(await repliesOf(c.id, 1)).toEqual([[true, '']]);
    c.call('login', 'alice', 'wrong');
    expect((await repliesOf(c.id, 2))[1]).toEqual([false, REPLY.wrongPassword]);
    c.call('login', 'alice', 'secret-a');
    await loggedIn(c.id);
  });

  it('allows one attempt in flight and 5 per 10 s per connection', async () => {
    const { connect, repliesOf, advance } = setup();
    const c = connect();
    // Sent in one go: the first runs, the rest find it in flight.
    for (let i = 0; i < 4; i++) c.call('register', `flood${i}`, 'secret');
    const burst = await repliesOf(c.id, 4);
    expect(burst.filter(([, why]) => why === REPLY.tooManyAttempts)).toHaveLength(3);
    expect(burst).toContainEqual([true, '']);
    // One after another: attempts 2 to 5 of the window pass, the 6th does not.
    for (let n = 2; n <= 6; n++) {
      c.call('login', 'nobody', 'secret');
      const reply = (await repliesOf(c.id, 4 + n - 1))[4 + n - 2];
      expect(reply).toEqual([false, n <= LIMITS.connectionAttempts.limit ? REPLY.wrongPassword : REPLY.tooManyAttempts]);
    }
    advance(LIMITS.connectionAttempts.windowMs / 1000);
    c.call('login', 'nobody', 'secret');
    expect((await repliesOf(c.id, 10))[9]).toEqual([false, REPLY.wrongPassword]);
  });

  it('locks an account name after 10 failed logins, across connections, and only that name', async () => {
    const { connect, repliesOf, loggedIn, advance } = setup();
    const owner = connect();
    owner.call('register', 'victim', 'right-password');
    expect(await repliesOf(owner.id, 1)).toEqual([[true, '']]);

    const guessers = [connect(), connect()];
    let failures = 0;
    for (let round = 0; failures < LIMITS.accountFailures.limit; round++) {
      for (const g of guessers) {
        if (failures === LIMITS.accountFailures.limit) break;
        g.call('login', 'victim', `guess-${round}`);
        const got = await repliesOf(g.id, round + 1);
        expect(got[round]).toEqual([false, REPLY.wrongPassword]);
        failures++;
      }
      // Keeps the per-connection limit out of the way: this test is about the per-name one.
      advance(LIMITS.connectionAttempts.windowMs / 1000);
    }
    const late = connect();
    late.call('login', 'victim', 'right-password');
    expect(await repliesOf(late.id, 1)).toEqual([[false, REPLY.lockedOut]]);

    const other = connect();
    other.call('register', 'carol', 'secret-c');
    expect(await repliesOf(other.id, 1)).toEqual([[true, '']]);
    other.call('login', 'carol', 'secret-c');
    await loggedIn(other.id);
  });

  it('answers "server busy" when the pool queue is full, and the next attempt can succeed', async () => {
    const { world, connect, repliesOf } = setup();
    // The key the game code uses: it finds this small pool instead of making its own.
    world.resource(PASSWORD_POOL_KEY, () => createPasswordPool({ workers: 1, maxQueue: 0 }));
    const [a, b] = [connect(), connect()];
    a.call('register', 'first', 'secret');
    b.call('register', 'second', 'secret');
    expect(await repliesOf(a.id, 1)).toEqual([[true, '']]);
    expect(await repliesOf(b.id, 1)).toEqual([[false, REPLY.busy]]);
    b.call('register', 'second', 'secret');
    expect((await repliesOf(b.id, 2))[1]).toEqual([true, '']);
  });
});
