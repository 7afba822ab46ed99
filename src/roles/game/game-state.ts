import { DEFAULTS } from '../../config/deployment-schema.ts';
import { createEntityIdGenerator, type EntityIdGenerator } from '../../core/entity-id.ts';
import type { AnyEntity } from '../../core/entity.ts';
import type { GameWorld } from '../../core/world-api.ts';
import { createWorldResources, type WorldResources } from '../../core/world-resources.ts';
import { createLogThrottle, type Logger, type LogThrottle } from '../../observability/index.ts';
import { createStorageMetrics } from '../../observability/storage-metrics.ts';
import { createFaultMetrics, type FaultMetrics } from '../../observability/fault-metrics.ts';
import { createAckGate, type AckGate } from './ack-gate.ts';
import { MSG, entityIdShard, type WireCodec } from '../../protocol/index.ts';
import type { StoredData } from '../../storage/index.ts';
import type { TickLoop } from '../../tick/tick-loop.ts';
import type { Liveness } from '../shared/link-liveness.ts';
import type { Link } from '../../transport/index.ts';
import { createClientHandoffs, type ClientHandoffs } from './client-handoffs.ts';
import { createClientViews, type ClientViews } from './client-views.ts';
import { createClientGrace, type ClientGrace } from './client-grace.ts';
import { createClientFilters, type ClientFilters } from './client-filters.ts';
import type { ClientSessions } from './client-sessions.ts';
import { createCodeHealth, type CodeHealth } from './code-health.ts';
import { createGameOverload, type GameOverload } from './game-overload.ts';
import type { GameServerOptions } from './game-server-options.ts';
import type { Freezer, GameSnapshotExtra } from './game-freeze.ts';
import type { InboundFrame } from './inbound.ts';
import { createInflight, type Inflight } from './inflight.ts';
import type { Outbound } from './outbound.ts';
import { createPersistence, type Persistence } from './persistence.ts';
import type { Arrivals } from './on-arrival.ts';
import { createGameServices, type GameServices } from './game-services.ts';
import { afterClientEvents as migrationAfterClientEvents, createGameMigration, type GameMigration } from './migration.ts';

/**
 * Everything a game process holds besides the world's own state, in one object its parts take as their
 * first argument: the links, which gate each client is on, the inbound queue, saves in flight, and the
 * parts built around the world (outbound, freezer, loop) once it exists.
 */
export interface GameState {
  readonly opts: GameServerOptions;
  readonly codec: WireCodec;
  readonly log: Logger;
  readonly ids: EntityIdGenerator;
  /** Per dispatcher, in id order; undefined while not connected. */
  readonly links: (Link | undefined)[];
  /** Client id → gate id, for every client bound to an entity on this game. */
  readonly clientGates: Map<string, number>;
  readonly handoffs: ClientHandoffs;
  readonly inboundQueue: InboundFrame[];
  readonly saving: Set<Promise<void>>;
  /** Entity saves and KV puts, fenced and retried (persistence.ts). */
  readonly persistence: Persistence;
  readonly inflight: Inflight;
  /** Game code's long-lived helpers (world.resource); they outlive code reloads and end with stop(). */
  readonly resources: WorldResources;
  readonly views: ClientViews;
  /** Clients gone whose entity keeps them bound for resumeGraceMs (client-grace.ts). */
  readonly grace: ClientGrace;
  /** Filter properties set on this game's clients, set again on a resumed client's gate (client-filters.ts). */
  readonly filters: ClientFilters;
  /** Client connections going and resuming; set with the frame handler (game-sessions.ts). */
  sessions: ClientSessions;
  /** 'starting' until the loop runs; 'stopping' from stop() on (a lost link is then expected). */
  run: 'starting' | 'running' | 'stopping';
  /** A restored game is past deployment-ready: onGameReady already ran in the process it replaces. */
  deploymentReady: boolean;
  /** Sends that go after this tick's client events (ClusterBridgeDeps.afterClientEvents). */
  readonly afterClientEvents: (() => void)[];
  /**
   * Errors of game code and tick phases, one line per place per interval: a system that throws every
   * tick logs its first stack, then how many times it failed since, not a stack per tick.
   */
  readonly codeErrors: LogThrottle;
  /** The same errors counted since the running code took over, for a reload's probation. */
  readonly health: CodeHealth;
  /** Tick time since the last load report, in ms. */
  busyMs: number;
  /** Degraded dispatcher links and whether the game refuses new placements (game-overload.ts). */
  readonly overload: GameOverload;
  readonly faults: FaultMetrics;
  /** When applied frames are acknowledged to their dispatcher (LINK_ACK): after the saves they start. */
  readonly ackGate: AckGate;
  /** When the game last ticked: the gap to now is how long it stood still (game-liveness.ts). */
  aliveAt: number;
  /** Declared down after a stall: it exits without saving, and nothing it does may reach storage. */
  fenced: boolean;
  restoredExtra: GameSnapshotExtra | null;
  // Set while the server is assembled (each needs the ones before it).
  world: GameWorld;
  outbound: Outbound;
  freezer: Freezer;
  loop: TickLoop;
  /** Where frames from the dispatchers go: applied on arrival, or queued for the tick (on-arrival.ts). */
  arrivals: Arrivals;
  liveness: Liveness;
  /** The module's services: declared to the dispatchers, ready when they say so (game-services.ts). */
  readonly services: GameServices;
  /** Migrations this game asked for, spaces it announced, clients told their space (migration.ts). */
  readonly migration: GameMigration;
  /** The games each dispatcher last said are online (ONLINE_GAMES), by dispatcher id. */
  readonly online: Map<number, readonly number[]>;
}

export function createGameState(opts: GameServerOptions): GameState {
  const faults = createFaultMetrics(opts.metrics);
  const s: GameState = {
    opts,
    codec: opts.codec,
    log: opts.log,
    ids: createEntityIdGenerator(),
    links: opts.dispatchers.map(() => undefined),
    clientGates: new Map(),
    handoffs: createClientHandoffs(),
    inboundQueue: [],
    saving: new Set(),
    persistence: createPersistence({
      storage: opts.storage,
      kv: opts.kv,
      log: opts.log,
      metrics: createStorageMetrics(opts.metrics),
      clock: opts.runtime.clock,
      scheduler: opts.runtime.scheduler,
      maxDelayMs: opts.saveRetryMaxDelayMs,
    }),
    inflight: createInflight(),
    resources: createWorldResources(),
    views: createClientViews(),
    grace: createClientGrace(),
    filters: createClientFilters(),
    sessions: undefined as never,
    run: 'starting',
    deploymentReady: false,
    afterClientEvents: [],
    codeErrors: createLogThrottle({ log: opts.log, now: () => opts.runtime.clock.now(), intervalMs: 10_000 }),
    health: createCodeHealth(() => opts.runtime.clock.now()),
    busyMs: 0,
    overload: createGameOverload({
      log: opts.log,
      metrics: opts.metrics,
      now: () => opts.runtime.clock.now(),
      limits: opts.links,
      refuseAfterMs: opts.overloadRefuseAfterMs ?? DEFAULTS.game.overloadRefuseAfterMs,
      dispatchers: opts.dispatchers.length,
    }),
    faults,
    ackGate: createAckGate({
      maxHoldMs: opts.reconnectQueue?.ackHoldMaxMs ?? DEFAULTS.links.ackHoldMaxMs,
      now: () => opts.runtime.clock.now(),
      onExpired: (frames) => faults.ackHoldsExpired(frames),
    }),
    aliveAt: opts.runtime.clock.now(),
    fenced: false,
    restoredExtra: null,
    world: undefined as never,
    outbound: undefined as never,
    freezer: undefined as never,
    loop: undefined as never,
    arrivals: undefined as never,
    liveness: undefined as never,
    migration: createGameMigration(),
    online: new Map(),
    services: createGameServices({
      codec: opts.codec,
      log: opts.log,
      services: opts.module.services ?? [],
      dispatcherCount: opts.dispatchers.length,
      world: () => s.world,
      onReady() {
        // A hot-swap successor: the process it replaces ran the hook already.
        if (s.restoredExtra !== null) return;
        try {
          opts.module.onServicesReady?.(s.world);
        } catch (err) {
          s.health.record(err, 'onServicesReady');
          opts.log.error({ err }, 'onServicesReady failed');
        }
      },
    }),
  };
  return s;
}

export function linkFor(s: GameState, entityId: string): Link | undefined {
  return s.links[entityIdShard(entityId, s.links.length)];
}

/** The dispatcher that carries a gate's client traffic: GoWorld's (gateId - 1) % N. */
export function gateLink(s: GameState, gateId: number): Link | undefined {
  return s.links[(gateId - 1) % s.links.length];
}

/** What the world queued for clients (binds, AOI enters and leaves, deltas, calls), then what must follow it (kicks). */
export function sendClientEvents(s: GameState): void {
  s.outbound.flushWorldEvents();
  migrationAfterClientEvents(s);
  for (const send of s.afterClientEvents.splice(0)) send();
}

/** Tells the entity's dispatcher it exists here, or no longer does. */
export function notify(s: GameState, kind: 'created' | 'destroyed', e: AnyEntity): void {
  const link = linkFor(s, e.id);
  if (!link) return s.log.error({ entityId: e.id }, 'dispatcher link down: directory update lost');
  if (kind === 'created') s.codec.encodeTo(link, MSG.NOTIFY_CREATE_ENTITY, { entityId: e.id, typeName: e.typeName });
  else s.codec.encodeTo(link, MSG.NOTIFY_DESTROY_ENTITY, { entityId: e.id });
}

/**
 * Saves a persistent entity through the retry layer (persistence.ts): a failed write is retried while
 * the process lives. Tracked so a freeze and a stop wait for it. `then` runs once the save landed (no
 * argument), or with the error when it never will (a stale generation, a stop during an outage).
 */
export function save(s: GameState, e: AnyEntity, then?: (err?: Error) => void, data = s.world.persistentSnapshot(e.id)): void {
  if (s.fenced) {
    s.log.warn({ entityId: e.id }, 'not saved: this game was fenced (declared down), its state may be stale');
    return then?.();
  }
  if (!data) {
    s.log.error({ entityId: e.id }, 'no persistent snapshot to save');
    return then?.();
  }
  const p = s.inflight
    .track(s.persistence.save(e, data as StoredData))
    // The persistence layer has logged and counted the failure; the error is for `then`.
    .then(
      () => then?.(),
      (err: unknown) => then?.(err instanceof Error ? err : new Error(String(err))),
    )
    .catch((err: unknown) => s.log.error({ err, entityId: e.id }, 'after a save: the follow-up failed'))
    .finally(() => s.saving.delete(p));
  s.saving.add(p);
}
