import { createLogThrottle, type Logger, type LogThrottle, type Metrics } from '../../observability/index.ts';
import { createFaultMetrics, type FaultMetrics } from '../../observability/fault-metrics.ts';
import type { WireCodec } from '../../protocol/index.ts';
import type { Link } from '../../transport/index.ts';
import type { Liveness } from '../shared/link-liveness.ts';
import type { RoleRuntime } from '../shared/runtime.ts';
import { createEntityDirectory, type EntityDirectory } from './directory.ts';
import { type DispatcherOptions, logIntervalOf, pendingLimitsOf } from './dispatcher-options.ts';
import { createLostEntities, type LostEntities } from './lost-entities.ts';
import { createPeerTable, type PeerTable } from './peers.ts';
import { createPeerWait, type PeerWait } from './peer-wait.ts';
import { createServiceRegistry, type ServiceRegistry } from './services.ts';
import { createMigrationBook, type MigrationBook } from './migration.ts';

/**
 * Everything a dispatcher knows, in one object that its handlers take as their first argument: the
 * entity directory, the peers and their run state, and the batch of links to flush this turn.
 */
export interface DispatcherState {
  readonly opts: DispatcherOptions;
  readonly codec: WireCodec;
  readonly log: Logger;
  readonly metrics: Metrics | undefined;
  readonly runtime: RoleRuntime;
  readonly now: () => number;
  readonly directory: EntityDirectory;
  readonly peers: PeerTable;
  /** Entities of games declared down: calls to them fail at once. */
  readonly lost: LostEntities;
  /** Frames for games and gates that have not reconnected yet while the dispatcher starts (peer-wait.ts). */
  readonly waiting: PeerWait;
  readonly faults: FaultMetrics;
  /** Service shards of this dispatcher's shard, placed and re-placed here (services.ts). */
  readonly services: ServiceRegistry;
  /** Entity migrations this dispatcher owns, and which game holds each space (migration.ts). */
  readonly migrations: MigrationBook;
  /** Heartbeats to every game and gate, and their silence watched; set once the dispatcher listens. */
  liveness: Liveness;
  /** Whatever a peer (or a client through a game) can cause at will is logged through this. */
  readonly throttle: LogThrottle;
  /** Links written this event-loop turn; flushed together, one write each. */
  readonly dirty: Set<Link>;
  flushScheduled: boolean;
  /** 'starting' until every expected game and gate said hello, then 'ready' (announced once). */
  run: 'starting' | 'ready' | 'closing';
}

export function createDispatcherState(opts: DispatcherOptions): DispatcherState {
  const { clock, scheduler } = opts.runtime;
  const now = () => clock.now();
  return {
    opts,
    codec: opts.codec,
    log: opts.log,
    metrics: opts.metrics,
    runtime: opts.runtime,
    now,
    directory: createEntityDirectory(pendingLimitsOf(opts)),
    peers: createPeerTable({ now, random: Math.random, scheduler }),
    lost: createLostEntities(),
    waiting: createPeerWait(pendingLimitsOf(opts).maxHeldFrames),
    faults: createFaultMetrics(opts.metrics),
    services: createServiceRegistry(opts.metrics),
    migrations: createMigrationBook(opts.metrics),
    liveness: undefined as never,
    throttle: createLogThrottle({ log: opts.log, now, intervalMs: logIntervalOf(opts) }),
    dirty: new Set(),
    flushScheduled: false,
    run: 'starting',
  };
}

/** Every write goes through here so one flush per link per event-loop turn carries the whole batch. */
export function out(s: DispatcherState, link: Link): Link {
  s.dirty.add(link);
  if (!s.flushScheduled) {
    s.flushScheduled = true;
    setImmediate(() => flushAll(s));
  }
  return link;
}

export function flushAll(s: DispatcherState): void {
  s.flushScheduled = false;
  // What was forwarded leaves before the acknowledgements of the frames it came from: an ack lets the
  // sender forget a frame, so it must not leave while the forwarded copy is still only in this process.
  for (const link of s.dirty) if (!link.ackDue) link.flush();
  for (const link of s.dirty) if (link.ackDue) link.flush();
  s.dirty.clear();
}

/** A gate's link, marked for this turn's flush. */
export function gateLink(s: DispatcherState, gateId: number): Link | undefined {
  const gate = s.peers.gate(gateId);
  return gate ? out(s, gate.link) : undefined;
}
