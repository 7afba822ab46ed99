import { attr, t } from 'tsworld';
import type { Entity } from 'tsworld';
import type { Avatar } from './avatar.ts';
import { LIMITS, takeFromWindow } from './limits.ts';
import { isLockedOut, recordFailure } from './login-failures.ts';
import { passwordPool } from './password.ts';

const USERNAME = /^[A-Za-z0-9_]{3,20}$/;
const MIN_PASSWORD = 4;
const MAX_PASSWORD = 100;

/** What the client is told; the test suites match on these. */
export const REPLY = {
  badShape: `username: 3-20 letters, digits or _; password: ${MIN_PASSWORD}-${MAX_PASSWORD} characters`,
  tooManyAttempts: 'too many attempts, wait a moment',
  lockedOut: 'too many failed logins for this account, try again in a minute',
  busy: 'server busy, try again',
  serverError: 'server error, try again',
  storageError: 'storage error, try again',
  wrongPassword: 'unknown user or wrong password',
  noAvatar: 'this account has no avatar yet, try again',
} as const;

/**
 * The per-connection limit lives on the Account (server-only attributes): it is per connection by
 * definition, and as attributes it survives a hot swap with the entity.
 */
export const accountAttrs = {
  /** A register or login is running; the next waits for its reply. */
  inFlight: attr(t.bool),
  /** The attempts window (world time, ms) and how many attempts it has seen. */
  windowStart: attr(t.float),
  windowCount: attr(t.int),
};

type Account = Entity<typeof accountAttrs>;
type ReplyMethod = 'onRegister' | 'onLogin';

/** Counts the attempt, or answers "too many" when one is in flight or the window is used up. */
function admit(e: Account, method: ReplyMethod): boolean {
  const { taken, window } = takeFromWindow(
    { start: e.attrs.get('windowStart'), count: e.attrs.get('windowCount') },
    e.world.now,
    LIMITS.connectionAttempts,
  );
  if (e.attrs.get('inFlight') || !taken) {
    e.callClient(method, [false, REPLY.tooManyAttempts]);
    return false;
  }
  e.attrs.set('windowStart', window.start);
  e.attrs.set('windowCount', window.count);
  e.attrs.set('inFlight', true);
  return true;
}

function finish(e: Account, method: ReplyMethod, ok: boolean, why: string): void {
  if (e.destroyed) return;
  e.attrs.set('inFlight', false);
  e.callClient(method, [ok, why]);
}

export function register(e: Account, username: string, password: string): void {
  if (!admit(e, 'onRegister')) return;
  if (!USERNAME.test(username) || password.length < MIN_PASSWORD || password.length > MAX_PASSWORD) {
    return finish(e, 'onRegister', false, REPLY.badShape);
  }
  const fail = (why: string) => finish(e, 'onRegister', false, why);
  const { world } = e;
  const { kv } = world.cluster;
  // A taken name is refused before it costs a hash; getOrPut below still settles a race for it.
  kv.get(`account:${username}`, (err, existing) => {
    if (err) return fail(REPLY.storageError);
    if (existing !== undefined) return fail(`${username} is taken`);
    if (e.destroyed) return;
    const accepted = passwordPool(world).hash(password, (hashed) =>
      world.post(() => {
        if (!hashed.ok) return fail(REPLY.serverError);
        if (e.destroyed) return;
        const record = hashed.value;
        // getOrPut is atomic: two clients registering the same name at once cannot both win.
        kv.getOrPut(`account:${username}`, record, (putErr, stored) => {
          if (putErr) return fail(REPLY.storageError);
          if (stored !== record) return fail(`${username} is taken`);
          // Made even if the client has just left: an account without its avatar could never log in.
          const avatarId = world.cluster.createEntityAnywhere('Avatar', { name: username, chatroom: 'lobby' });
          kv.put(`avatar:${username}`, avatarId, (avatarErr) =>
            avatarErr ? fail(REPLY.storageError) : finish(e, 'onRegister', true, ''),
          );
        });
      }),
    );
    if (!accepted) fail(REPLY.busy);
  });
}

export function login(e: Account, username: string, password: string): void {
  if (!admit(e, 'onLogin')) return;
  const fail = (why: string) => finish(e, 'onLogin', false, why);
  // No such account can have such a name or password: answered without touching the KV or a worker.
  if (!USERNAME.test(username) || password.length > MAX_PASSWORD) return fail(REPLY.wrongPassword);
  const { world } = e;
  const { kv } = world.cluster;
  isLockedOut(kv, username, Date.now(), (lockErr, locked) => {
    if (lockErr) return fail(REPLY.storageError);
    if (locked) return fail(REPLY.lockedOut);
    kv.get(`account:${username}`, (err, record) => {
      if (err) return fail(REPLY.storageError);
      if (record === undefined) return fail(REPLY.wrongPassword);
      if (e.destroyed) return;
      const accepted = passwordPool(world).check(password, record, (checked) =>
        world.post(() => {
          if (!checked.ok) return fail(REPLY.serverError);
          if (!checked.value) return recordFailure(kv, username, Date.now(), () => fail(REPLY.wrongPassword));
          enterAvatar(e, username, fail);
        }),
      );
      if (!accepted) fail(REPLY.busy);
    });
  });
}

function enterAvatar(e: Account, username: string, fail: (why: string) => void): void {
  const { cluster } = e.world;
  cluster.kv.get(`avatar:${username}`, (err, avatarId) => {
    if (err || avatarId === undefined) return fail(REPLY.noAvatar);
    if (e.destroyed) return;
    cluster.loadEntityAnywhere('Avatar', avatarId);
    // Held by the dispatcher until the avatar exists. The avatar closes a session already playing it
    // (a second login takes over) and then calls handOver here.
    cluster.call<typeof Avatar>(avatarId, 'takeOver', [e.id]);
  });
}

/** The avatar is ready for this client (Avatar.takeOver): this Account's work is done. */
export function handOver(e: Account, avatarId: string): void {
  if (e.destroyed || e.client === null) return; // its client left during the login
  e.world.cluster.giveClientTo(e.id, avatarId);
  e.destroy();
}
