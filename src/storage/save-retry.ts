import { TsworldError } from '../core/errors.ts';
import type { Scheduler } from '../tick/clock.ts';

/**
 * Writes that must land while the process lives: each is retried with capped exponential backoff until
 * it succeeds, and a newer write under the same key replaces one still waiting (its state supersedes
 * the older one, so a long outage holds one write per entity, not one per save interval). Every caller
 * of a key is answered when the latest write for that key lands, or when it can never land.
 *
 * Not retried (they would fail the same way again): INVALID_ARGUMENT, STALE_GENERATION (a newer owner
 * holds the entity), INVALID_STATE (the store is closed). Everything else (STORAGE_FAILURE: a full
 * disk, a lost Redis connection) is.
 */
export interface WriteRetry {
  /** Runs `op` until it lands; `label` names the write in reports (an entity id, a KV key). */
  write(key: string, label: string, op: () => Promise<void>): Promise<void>;
  /** Writes not landed yet (waiting for a retry or running). */
  readonly pending: number;
  /** Labels of the writes not landed yet. */
  pendingLabels(): string[];
  /** Resolves once no write is pending (at once if none is). */
  whenIdle(): Promise<void>;
  /** Stops retrying; every write not landed rejects with INVALID_STATE. Answers their labels. */
  abandon(reason: string): string[];
}

export interface RetryEvents {
  /** A write failed and will be retried after `delayMs` (attempt counts from 1). */
  failed(label: string, err: unknown, attempt: number, delayMs: number): void;
  /** A write landed after `attempts` attempts (reported only when it needed more than one). */
  recovered(label: string, attempts: number, downMs: number): void;
  /** A write that will never land (not retryable, or abandoned). */
  gaveUp(label: string, err: unknown): void;
  /** The number of writes not landed yet changed. */
  pendingChanged(count: number): void;
}

export interface WriteRetryOptions {
  readonly scheduler: Scheduler;
  readonly now: () => number;
  readonly events: RetryEvents;
  /** First retry delay; doubles per attempt. Default 100 ms. */
  readonly initialDelayMs?: number;
  /** Cap of the delay between attempts. Default 5000 ms. */
  readonly maxDelayMs?: number;
}

const PERMANENT = new Set(['INVALID_ARGUMENT', 'STALE_GENERATION', 'INVALID_STATE']);

export function isRetryable(err: unknown): boolean {
  return !(err instanceof TsworldError && PERMANENT.has(err.code));
}

interface Pending {
  label: string;
  op: () => Promise<void>;
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
  attempts: number;
  firstFailureAt: number;
  running: boolean;
  /** A newer op arrived while one was running: run it next, even if the running one lands. */
  replaced: boolean;
  cancelTimer: (() => void) | null;
}

/** The retry layer's books, which its functions take as their first argument. */
interface RetryState {
  readonly options: WriteRetryOptions;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly pending: Map<string, Pending>;
  abandoned: string | null;
  readonly idleWaiters: (() => void)[];
}

function settle(r: RetryState, key: string, p: Pending, err?: unknown): void {
  r.pending.delete(key);
  r.options.events.pendingChanged(r.pending.size);
  if (r.pending.size === 0) for (const resolve of r.idleWaiters.splice(0)) resolve();
  for (const w of p.waiters.splice(0)) if (err === undefined) w.resolve();
  else w.reject(err);
}

function delayFor(r: RetryState, attempt: number): number {
  const base = Math.min(r.maxDelayMs, r.initialDelayMs * 2 ** Math.min(attempt - 1, 20));
  // ±20 % so the writes of many entities failing together do not retry in lockstep.
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

function run(r: RetryState, key: string, p: Pending): void {
  p.running = true;
  p.replaced = false;
  p.attempts++;
  p.op().then(
    () => {
      p.running = false;
      if (r.pending.get(key) !== p) return;
      if (p.replaced) return run(r, key, p);
      if (p.attempts > 1) r.options.events.recovered(p.label, p.attempts, r.options.now() - p.firstFailureAt);
      settle(r, key, p);
    },
    (err: unknown) => failed(r, key, p, err),
  );
}

function failed(r: RetryState, key: string, p: Pending, err: unknown): void {
  const { events, now, scheduler } = r.options;
  p.running = false;
  if (r.pending.get(key) !== p) return;
  if (!isRetryable(err)) {
    // The newer write has not run yet and may well be fine (an older one had bad data).
    if (p.replaced) return run(r, key, p);
    events.gaveUp(p.label, err);
    return settle(r, key, p, err);
  }
  if (p.attempts === 1) p.firstFailureAt = now();
  const delayMs = delayFor(r, p.attempts);
  events.failed(p.label, err, p.attempts, delayMs);
  p.cancelTimer = scheduler.schedule(() => {
    p.cancelTimer = null;
    if (r.pending.get(key) === p) run(r, key, p);
  }, delayMs);
}

function write(r: RetryState, key: string, label: string, op: () => Promise<void>): Promise<void> {
  if (r.abandoned !== null) return Promise.reject(new TsworldError('INVALID_STATE', `writes stopped: ${r.abandoned}`));
  return new Promise<void>((resolve, reject) => {
    const existing = r.pending.get(key);
    if (existing) {
      existing.op = op;
      existing.label = label;
      existing.waiters.push({ resolve, reject });
      if (existing.running) existing.replaced = true;
      return;
    }
    const p: Pending = { label, op, waiters: [{ resolve, reject }], attempts: 0, firstFailureAt: 0, running: false, replaced: false, cancelTimer: null };
    r.pending.set(key, p);
    r.options.events.pendingChanged(r.pending.size);
    run(r, key, p);
  });
}

function abandon(r: RetryState, reason: string): string[] {
  r.abandoned = reason;
  const labels: string[] = [];
  for (const [key, p] of [...r.pending]) {
    labels.push(p.label);
    p.cancelTimer?.();
    const err = new TsworldError('INVALID_STATE', `not saved: ${reason}`);
    r.options.events.gaveUp(p.label, err);
    settle(r, key, p, err);
  }
  return labels;
}

export function createWriteRetry(options: WriteRetryOptions): WriteRetry {
  const r: RetryState = {
    options,
    initialDelayMs: options.initialDelayMs ?? 100,
    maxDelayMs: options.maxDelayMs ?? 5_000,
    pending: new Map(),
    abandoned: null,
    idleWaiters: [],
  };
  return {
    write: (key, label, op) => write(r, key, label, op),
    get pending() {
      return r.pending.size;
    },
    pendingLabels: () => [...r.pending.values()].map((p) => p.label),
    whenIdle: () => (r.pending.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => r.idleWaiters.push(resolve))),
    abandon: (reason) => abandon(r, reason),
  };
}
