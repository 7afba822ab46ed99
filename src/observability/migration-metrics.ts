import { Counter, Gauge } from 'prom-client';
import type { Metrics } from './metrics.ts';

/**
 * A dispatcher's entity migrations (src/roles/dispatcher/migration.ts): how each one ended, and how many
 * are under way now. Without a Metrics (unit tests) every method is a no-op.
 */
export interface MigrationMetrics {
  /** done: on the target; returned: the target went down or refused it, back on the source; refused: never started. */
  ended(outcome: 'done' | 'returned' | 'aborted' | 'refused' | 'lost'): void;
  setActive(count: number): void;
}

const NONE: MigrationMetrics = { ended: () => undefined, setActive: () => undefined };

export function createMigrationMetrics(metrics: Metrics | undefined): MigrationMetrics {
  if (!metrics) return NONE;
  const registers = [metrics.registry];
  const ended = new Counter({ name: 'tsworld_migrations_total', help: 'Entity migrations this dispatcher handed off, by outcome.', labelNames: ['outcome'], registers });
  const active = new Gauge({ name: 'tsworld_migrations_active', help: 'Entity migrations under way at this dispatcher (their frames queued).', registers });
  return {
    ended: (outcome) => ended.labels(outcome).inc(),
    setActive: (count) => active.set(count),
  };
}
