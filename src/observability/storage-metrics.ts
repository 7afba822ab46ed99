import { Counter, Gauge } from 'prom-client';
import type { Metrics } from './metrics.ts';

/**
 * What a game reports about its writes to storage and KV (src/storage/save-retry.ts): failed attempts,
 * retries, writes given up, and how many are waiting to land. Registered on the process's registry;
 * without a Metrics (unit tests) every method is a no-op.
 */
export interface StorageMetrics {
  /** A write attempt failed, by operation ('save', 'put') and error code. */
  failure(op: string, code: string): void;
  /** A failed write was scheduled to run again. */
  retry(op: string): void;
  /** A write that will never land (stale generation, bad data, stopped during an outage). */
  gaveUp(op: string, code: string): void;
  /** Writes not landed yet. */
  setPending(count: number): void;
}

const NONE: StorageMetrics = { failure: () => undefined, retry: () => undefined, gaveUp: () => undefined, setPending: () => undefined };

export function createStorageMetrics(metrics: Metrics | undefined): StorageMetrics {
  if (!metrics) return NONE;
  const registers = [metrics.registry];
  const failures = new Counter({ name: 'tsworld_storage_failures_total', help: 'Storage and KV write attempts that failed, by operation and error code.', labelNames: ['op', 'code'], registers });
  const retries = new Counter({ name: 'tsworld_storage_retries_total', help: 'Failed storage and KV writes scheduled to run again.', labelNames: ['op'], registers });
  const givenUp = new Counter({ name: 'tsworld_storage_given_up_total', help: 'Storage and KV writes that will never land, by operation and error code.', labelNames: ['op', 'code'], registers });
  const pending = new Gauge({ name: 'tsworld_storage_pending_writes', help: 'Storage and KV writes not landed yet (running or waiting for a retry).', registers });
  return {
    failure: (op, code) => failures.labels(op, code).inc(),
    retry: (op) => retries.labels(op).inc(),
    gaveUp: (op, code) => givenUp.labels(op, code).inc(),
    setPending: (count) => pending.set(count),
  };
}
