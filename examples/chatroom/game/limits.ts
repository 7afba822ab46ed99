/**
 * What one client can make the chatroom spend on passwords. Each scrypt call costs about 16 MB and
 * tens of ms of one core, so these bounds, not the gate's message rate, decide what a flood costs.
 */
export const LIMITS = {
  /**
   * Hashing threads per game. Two leave the game thread and the rest of a small box free; raise it
   * with the cores a game may use for logins.
   */
  hashWorkers: 2,
  /**
   * Hash jobs waiting for a worker, per game. With two workers at ~0.1 s a job, a full queue is ~0.8 s
   * of waiting: a login stays fast, and past that the reply is "server busy" at once.
   */
  hashQueue: 16,
  /**
   * Register/login attempts per connection (the Account entity), in a window that starts at the first
   * attempt: 5 per 10 s is plenty for typos, and with one attempt in flight at a time a connection can
   * never hold more than one worker.
   */
  connectionAttempts: { limit: 5, windowMs: 10_000 },
  /**
   * Failed logins per account name, across every connection and game (counted in the cluster KV): 10
   * per minute stops online guessing, at the price that during an attack the real owner also waits.
   */
  accountFailures: { limit: 10, windowMs: 60_000 },
} as const;

export interface Window {
  readonly start: number;
  readonly count: number;
}

/**
 * A fixed window counted from its first event: the one to keep after `now`, and whether it still has
 * room for another event. Pure, so the same rule serves entity attributes and KV records.
 */
export function currentWindow(w: Window, now: number, windowMs: number): Window {
  return now - w.start >= windowMs || now < w.start ? { start: now, count: 0 } : w;
}

/** Counts one event if the window has room; `taken` false means refuse and keep `window` as it is. */
export function takeFromWindow(w: Window, now: number, limit: { limit: number; windowMs: number }): { taken: boolean; window: Window } {
  const current = currentWindow(w, now, limit.windowMs);
  if (current.count >= limit.limit) return { taken: false, window: current };
  return { taken: true, window: { start: current.start, count: current.count + 1 } };
}
