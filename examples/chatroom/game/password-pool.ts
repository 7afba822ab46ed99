import { Worker } from 'node:worker_threads';
import type { WorldResource } from 'tsworld';

export interface PasswordPoolOptions {
  /** Worker threads, each hashing one password at a time. */
  readonly workers: number;
  /** Jobs that may wait for a free worker; past it a job is refused at once, never queued. */
  readonly maxQueue: number;
  /**
   * A job still running after this long has a stuck worker: it is terminated and the job failed.
   * 10 s by default, some hundred times what one hash takes.
   */
  readonly jobTimeoutMs?: number;
  /** The worker script; hash-worker.mjs beside this file unless a test swaps it. */
  readonly workerUrl?: URL;
}

/** Why a job the pool accepted did not produce an answer. */
export type PoolFailure = { readonly ok: false; readonly code: 'WORKER_FAILED' | 'CLOSED'; readonly message: string };
export type PoolResult<T> = { readonly ok: true; readonly value: T } | PoolFailure;

/**
 * scrypt on a few worker threads of its own, with a bounded queue. Each method returns false when it
 * refuses the job (queue full, pool closed): the caller answers "busy" at once and `done` is never
 * called. Otherwise `done` is called exactly once, later, from a worker message: outside the game loop,
 * so game code hands the result back with `world.post`.
 */
export interface PasswordPool extends WorldResource {
  /** A new `salt$key` record for `password`. */
  hash(password: string, done: (result: PoolResult<string>) => void): boolean;
  /** Whether `password` matches `record` (a damaged record is a mismatch, not a failure). */
  check(password: string, record: string, done: (result: PoolResult<boolean>) => void): boolean;
  /** Live workers, jobs running, jobs waiting. */
  stats(): { workers: number; running: number; queued: number };
  /** Fails every pending job with CLOSED and terminates the workers. */
  close(): Promise<void>;
}

type JobMessage = { op: 'hash'; password: string } | { op: 'check'; password: string; record: string };
type WorkerReply = { id: number; ok: true; value: string | boolean } | { id: number; ok: false; message: string };

interface Job {
  readonly id: number;
  readonly message: JobMessage;
  readonly done: (result: PoolResult<string | boolean>) => void;
}

interface Slot {
  worker: Worker | null;
  job: Job | null;
  deadline: NodeJS.Timeout | null;
}

const defaultWorkerUrl = new URL('./hash-worker.mjs', import.meta.url);

/** A pool's state, which its steps below share. */
interface Pool {
  readonly workerUrl: URL;
  readonly jobTimeoutMs: number;
  readonly maxQueue: number;
  readonly slots: Slot[];
  readonly queue: Job[];
  nextId: number;
  closed: boolean;
}

export function createPasswordPool(options: PasswordPoolOptions): PasswordPool {
  const pool: Pool = {
    workerUrl: options.workerUrl ?? defaultWorkerUrl,
    jobTimeoutMs: options.jobTimeoutMs ?? 10_000,
    maxQueue: options.maxQueue,
    slots: Array.from({ length: Math.max(1, options.workers) }, () => ({ worker: null, job: null, deadline: null })),
    queue: [],
    nextId: 1,
    closed: false,
  };
  return {
    hash: (password, done) => submit(pool, { op: 'hash', password }, done as Job['done']),
    check: (password, record, done) => submit(pool, { op: 'check', password, record }, done as Job['done']),
    stats: () => ({
      workers: pool.slots.filter((s) => s.worker !== null).length,
      running: pool.slots.filter((s) => s.job !== null).length,
      queued: pool.queue.length,
    }),
    close: () => closePool(pool),
  };
}

function finish(slot: Slot, result: PoolResult<string | boolean>): void {
  const job = slot.job;
  if (job === null) return;
  slot.job = null;
  if (slot.deadline !== null) clearTimeout(slot.deadline);
  slot.deadline = null;
  // An idle worker must not keep the process alive; a busy one does, so a waiting caller is answered.
  slot.worker?.unref();
  job.done(result);
}

/** The worker died (threw, exited, failed to start) or hangs: its job fails, and the slot starts afresh. */
function lost(pool: Pool, slot: Slot, worker: Worker, why: string): void {
  if (slot.worker !== worker) return;
  slot.worker = null;
  void worker.terminate();
  finish(slot, { ok: false, code: 'WORKER_FAILED', message: why });
  pump(pool);
}

// Workers start on demand, so a worker script that dies at once costs one job per attempt, never a
// restart loop.
function spawn(pool: Pool, slot: Slot): Worker {
  // No execArgv: the game's `--import tsx` is not needed for a .mjs file and would slow each start.
  const worker = new Worker(pool.workerUrl, { execArgv: [], name: 'chatroom-password' });
  worker.on('message', (reply: WorkerReply) => {
    if (slot.worker !== worker || slot.job?.id !== reply.id) return;
    finish(slot, reply.ok ? { ok: true, value: reply.value } : { ok: false, code: 'WORKER_FAILED', message: reply.message });
    pump(pool);
  });
  worker.on('error', (err) => lost(pool, slot, worker, `password worker failed: ${err.message}`));
  worker.on('exit', (code) => lost(pool, slot, worker, `password worker exited with code ${code}`));
  return worker;
}

function start(pool: Pool, slot: Slot, job: Job): void {
  let worker: Worker;
  try {
    worker = slot.worker ??= spawn(pool, slot);
  } catch (err) {
    // Answered later, as promised: `submit` has not returned yet.
    const message = `cannot start a password worker: ${(err as Error).message}`;
    queueMicrotask(() => job.done({ ok: false, code: 'WORKER_FAILED', message }));
    return;
  }
  slot.job = job;
  slot.deadline = setTimeout(() => lost(pool, slot, worker, `password worker gave no answer in ${pool.jobTimeoutMs} ms`), pool.jobTimeoutMs);
  slot.deadline.unref();
  worker.ref();
  worker.postMessage({ id: job.id, ...job.message });
}

function pump(pool: Pool): void {
  if (pool.closed) return;
  for (const slot of pool.slots) {
    if (pool.queue.length === 0) return;
    if (slot.job === null) start(pool, slot, pool.queue.shift() as Job);
  }
}

function submit(pool: Pool, message: JobMessage, done: Job['done']): boolean {
  if (pool.closed) return false;
  const job: Job = { id: pool.nextId++, message, done };
  const idle = pool.slots.find((s) => s.job === null);
  if (idle !== undefined) start(pool, idle, job);
  else if (pool.queue.length < pool.maxQueue) pool.queue.push(job);
  else return false;
  return true;
}

async function closePool(pool: Pool): Promise<void> {
  if (pool.closed) return;
  pool.closed = true;
  const failure: PoolFailure = { ok: false, code: 'CLOSED', message: 'the game is stopping' };
  for (const job of pool.queue.splice(0)) job.done(failure);
  const workers: Worker[] = [];
  for (const slot of pool.slots) {
    if (slot.worker !== null) workers.push(slot.worker);
    slot.worker = null;
    finish(slot, failure);
  }
  await Promise.all(workers.map((w) => w.terminate()));
}
