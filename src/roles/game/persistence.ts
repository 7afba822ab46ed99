import type { AnyEntity } from '../../core/entity.ts';
import { TsworldError } from '../../core/errors.ts';
import { createLogThrottle, type Logger } from '../../observability/index.ts';
import type { StorageMetrics } from '../../observability/storage-metrics.ts';
import { createWriteRetry, type WriteRetry } from '../../storage/save-retry.ts';
import type { EntityStorage, KvStore, StoredData } from '../../storage/index.ts';
import type { Clock, Scheduler } from '../../tick/clock.ts';

/**
 * A game's writes to storage: entity saves fenced by the entity's generation, and KV puts, both through
 * the retry layer (src/storage/save-retry.ts), so a full disk or a lost Redis connection costs retries,
 * metrics and a bounded number of log lines, never a crash, a dropped write or a blocked tick.
 *
 * Fencing: the first save of an entity in this process claims a generation (storage.claim), and every
 * save carries it. A newer instance elsewhere (this game was declared down, the entity was loaded on
 * another) claims a newer one, after which this process's saves are refused with STALE_GENERATION
 * instead of overwriting it. A hot-swap successor claims afresh too, which also fences its predecessor.
 */
export interface Persistence {
  /** Saves (claiming first if needed) until it lands; rejects only when it never will. */
  save(e: AnyEntity, data: StoredData): Promise<void>;
  /** The KV store as game code uses it: `put` is retried like a save; reads go straight through. */
  readonly kv: KvStore;
  /**
   * The entity left this game (it migrated): its next save here, if it comes back, claims a new
   * generation, since the game it went to claims one of its own.
   */
  forget(entityId: string): void;
  /** Writes not landed yet. */
  readonly pending: number;
  /**
   * For a stop: waits up to `timeoutMs` for writes still retrying, then gives them up. Answers the
   * labels (entity ids, KV keys) of the writes that could not be saved.
   */
  drain(timeoutMs: number): Promise<string[]>;
}

export interface PersistenceDeps {
  readonly storage: EntityStorage;
  readonly kv: KvStore;
  readonly log: Logger;
  readonly metrics: StorageMetrics;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Cap of the delay between attempts (save-retry.ts's default when absent). */
  readonly maxDelayMs?: number;
}

const codeOf = (err: unknown): string => (err instanceof TsworldError ? err.code : 'UNKNOWN');

export function createPersistence(deps: PersistenceDeps): Persistence {
  const { storage, log, metrics, clock, scheduler } = deps;
  // One line per kind of event per 10 s, with the entity and the error; the rest are counted.
  const throttle = createLogThrottle({ log, now: () => clock.now(), intervalMs: 10_000 });
  const opOf = (label: string): string => (label.startsWith('kv ') ? 'put' : 'save');
  const retry: WriteRetry = createWriteRetry({
    scheduler,
    ...(deps.maxDelayMs !== undefined ? { maxDelayMs: deps.maxDelayMs } : {}),
    now: () => clock.now(),
    events: {
      failed(label, err, attempt, delayMs) {
        metrics.failure(opOf(label), codeOf(err));
        metrics.retry(opOf(label));
        throttle.log('error', `storage-failed:${opOf(label)}`, { err, write: label, attempt, retryInMs: delayMs, pending: retry.pending }, 'storage write failed; retrying');
      },
      recovered(label, attempts, downMs) {
        throttle.log('info', `storage-recovered:${opOf(label)}`, { write: label, attempts, downMs: Math.round(downMs), pending: retry.pending }, 'storage write landed after retries');
      },
      gaveUp(label, err) {
        metrics.failure(opOf(label), codeOf(err));
        metrics.gaveUp(opOf(label), codeOf(err));
        const stale = codeOf(err) === 'STALE_GENERATION';
        const message = stale ? 'save refused: a newer instance of this entity owns it (this copy is stale)' : 'storage write given up';
        throttle.log('error', `storage-gave-up:${codeOf(err)}`, { err, write: label }, message);
      },
      pendingChanged: (count) => metrics.setPending(count),
    },
  });

  const generations = new Map<string, number>();
  const generationOf = async (e: AnyEntity): Promise<number> => {
    const known = generations.get(e.id);
    if (known !== undefined) return known;
    // Claimed only once it succeeded: a failed claim is claimed again by the retry.
    const claimed = await storage.claim(e.typeName, e.id);
    generations.set(e.id, generations.get(e.id) ?? claimed);
    return generations.get(e.id)!;
  };

  const kv: KvStore = {
    capabilities: deps.kv.capabilities,
    get: (key) => deps.kv.get(key),
    getOrPut: (key, value) => deps.kv.getOrPut(key, value),
    put: (key, value) => retry.write(`kv:${key}`, `kv ${key}`, () => deps.kv.put(key, value)),
    close: () => deps.kv.close(),
  };

  return {
    save(e, data) {
      const typeName = e.typeName;
      return retry
        .write(`entity:${e.id}`, e.id, async () => {
          const generation = await generationOf(e);
          await storage.save(typeName, e.id, data, { generation });
        })
        .finally(() => {
          // A destroyed entity's final save, landed or not: a later load here claims a new generation.
          if (e.destroyed) generations.delete(e.id);
        });
    },
    forget: (entityId) => void generations.delete(entityId),
    kv,
    get pending() {
      return retry.pending;
    },
    async drain(timeoutMs) {
      if (retry.pending > 0) {
        let cancel: () => void = () => undefined;
        const timeout = new Promise<void>((resolve) => (cancel = scheduler.schedule(resolve, timeoutMs)));
        await Promise.race([retry.whenIdle(), timeout]);
        cancel();
      }
      return retry.abandon('the game stopped during a storage outage');
    },
  };
}
