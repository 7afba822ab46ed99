import type { ClusterKv } from 'tsworld';
import { currentWindow, LIMITS, type Window } from './limits.ts';

/**
 * Failed logins per account name, in the cluster KV as `<windowStart>:<count>` under
 * `loginfail:<name>`. In the KV rather than in the game because a guesser picks its game: it can open
 * connections until they land on every game, and a per-game count would give it one budget each.
 * Wall-clock time, since each game's world clock is its own.
 *
 * The count is approximate: ClusterKv has no atomic increment, so two failures for one name finishing
 * within the same KV round trip on two games can count once. That lets a parallel guesser a few extra
 * tries per window, not an unbounded number; an exact count needs an increment in the KV seam.
 * Only names that exist get a record (unknown names never reach the hash), so a flood of made-up
 * names does not grow the KV.
 */
const key = (username: string) => `loginfail:${username}`;

function parse(value: string | undefined): Window {
  const [start, count] = (value ?? '').split(':').map(Number);
  return Number.isFinite(start) && Number.isFinite(count) ? { start, count } : { start: 0, count: 0 };
}

/** Whether `username` has used up its failures for now. A storage error is reported as one. */
export function isLockedOut(kv: ClusterKv, username: string, now: number, done: (err: Error | null, locked: boolean) => void): void {
  kv.get(key(username), (err, value) => {
    if (err) return done(err, false);
    done(null, currentWindow(parse(value), now, LIMITS.accountFailures.windowMs).count >= LIMITS.accountFailures.limit);
  });
}

/**
 * Counts one failed login for `username`, then calls `done`: answering only after the count is stored
 * makes one connection's retries count exactly. A storage error only loses the count.
 */
export function recordFailure(kv: ClusterKv, username: string, now: number, done: () => void): void {
  kv.get(key(username), (err, value) => {
    if (err) return done();
    const w = currentWindow(parse(value), now, LIMITS.accountFailures.windowMs);
    kv.put(key(username), `${w.start}:${w.count + 1}`, () => done());
  });
}
