import { Counter, Gauge } from 'prom-client';
import type { Metrics } from './metrics.ts';

/**
 * A dispatcher's service shards (src/roles/dispatcher/services.ts): how often it placed one and why,
 * how long the last failover took (its game declared down → the new instance created), and how many of
 * its shards no game holds right now. Without a Metrics (unit tests) every method is a no-op.
 */
export interface ServiceMetrics {
  /** why: 'initial' (deployment ready, or a shard no game had), 'failover' (game declared down), 'stopped' (game stopped). */
  placed(service: string, why: 'initial' | 'failover' | 'stopped'): void;
  failedOver(service: string, ms: number): void;
  setUnplaced(count: number): void;
}

const NONE: ServiceMetrics = { placed: () => undefined, failedOver: () => undefined, setUnplaced: () => undefined };

export function createServiceMetrics(metrics: Metrics | undefined): ServiceMetrics {
  if (!metrics) return NONE;
  const registers = [metrics.registry];
  const placements = new Counter({ name: 'tsworld_service_placements_total', help: 'Service shards this dispatcher placed on a game, by service and why.', labelNames: ['service', 'why'], registers });
  const failover = new Gauge({ name: 'tsworld_service_failover_ms', help: 'The last failover of a service shard: its game declared down to its new instance created, in ms.', labelNames: ['service'], registers });
  const unplaced = new Gauge({ name: 'tsworld_service_shards_unplaced', help: 'Service shards of this dispatcher that no game holds now (none live to take them).', registers });
  return {
    placed: (service, why) => placements.labels(service, why).inc(),
    failedOver: (service, ms) => failover.labels(service).set(ms),
    setUnplaced: (count) => unplaced.set(count),
  };
}
