import type { World as EcsWorld, QueryResult } from 'bitecs';
import type { AoiIndexFactory } from '../aoi/aoi-index.ts';
import type { ComponentStore } from '../ecs/component-storage.ts';
import type { ComponentDef, FieldSpecs } from '../ecs/schema.ts';
import type { AttrRootInfo, AttrSync } from './attr-decl.ts';
import type { AttrOp } from './attrs.ts';
import type { AnyServiceType } from './service.ts';
import type { WorldTimers } from './world-timers.ts';
import type { ClusterApi } from './cluster-api.ts';
import type { NilSpaceHandlers } from './local-placement.ts';
import type { EntityTypeRef, LoadPlacement } from './placement-api.ts';
import type { AnyEntity, Vec3 } from './entity.ts';
import type { EntityId, EntityIdGenerator } from './entity-id.ts';
import type { AnyEntityType, ClientDisconnectReason } from './entity-type.ts';
import type { ErrorCode } from './errors.ts';
import type { Space, SpaceType } from './space.ts';
import type { WorldResource, WorldResources } from './world-resources.ts';

/** A system: a pure function over the world's components, run once per tick. dt is in seconds. */
export type System = (world: GameWorld, dt: number) => void;

/** Who is calling an RPC: server code (default) or a client, identified by its client id. */
export type RpcCaller = { readonly kind: 'server' } | { readonly kind: 'client'; readonly clientId: string };

/** Hot-path result: bad input from a client is a code, never a throw. */
/** `value`: what the RPC returned (a request's answer; a Promise is awaited by the game process). */
export type CallResult = { readonly ok: true; readonly value?: unknown } | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

/** An attribute op plus the routing the outbound layer needs. */
export interface AttrDelta extends AttrOp {
  /** 'client': owner's client only; 'allClients': owner plus every client whose entity sees this one. */
  readonly sync: Exclude<AttrSync, 'server'>;
  readonly root: string;
}

export type AoiEventKind = 'enter' | 'leave';

/**
 * Receives one AOI pair: `watcher` started or stopped seeing `target`. Scalars rather than an event
 * object: a crowded first tick produces millions of pairs. `target` may be destroyed on 'leave'.
 */
export type AoiEventHandler = (kind: AoiEventKind, watcher: AnyEntity, target: AnyEntity, space: Space) => void;

export interface ClientEvent {
  readonly kind: 'bind' | 'unbind';
  readonly entity: EntityId;
  readonly client: string;
}

export interface ClientCall {
  /** 'own': the entity's client; 'all': own client plus every client whose entity sees it. */
  readonly to: 'own' | 'all';
  readonly entity: EntityId;
  readonly method: string;
  readonly args: readonly unknown[];
}

export interface CreateEntityOptions {
  /** Fixed id (restore, migrate, load from storage); a fresh one otherwise. */
  id?: EntityId;
  /** Initial attribute values, applied after onInit and before onAttrsReady. */
  attrs?: Record<string, unknown>;
  /** Space to enter after onCreated; the nil space by default. */
  space?: EntityId;
  position?: Vec3;
  yaw?: number;
  /**
   * Client to bind (GoWorld's boot entity): bound after onCreated and before entering the space, so
   * the client hears of its own entity before its neighbours.
   */
  client?: string;
}

export interface CreateSpaceOptions {
  id?: EntityId;
  /** Overrides the space type's AOI config for this instance. */
  aoi?: false | { radius: number };
}

/**
 * Engine notifications for the process layer (directory updates, saving). Called after the fact,
 * inside the commit phase; not called for restore (loadWorld) or migration.
 */
export interface WorldObserver {
  /** After onCreated (and after the entity entered its space). */
  entityCreated?(entity: AnyEntity): void;
  /**
   * At the very end of destroy, after the client was detached. `persistentAttrs` is the final state to
   * save, for persistent types (the entity can no longer be looked up by then).
   */
  entityDestroyed?(entity: AnyEntity, persistentAttrs?: Record<string, unknown>): void;
  /**
   * Game code asked to save a persistent entity now (`entity.save`). `done` must run in the loop (via
   * post) once the save landed, or with the error when it never will. A world without it has no storage.
   */
  saveRequested?(entity: AnyEntity, done: (err: Error | null) => void): void;
}

export interface GameWorldOptions {
  entityTypes: readonly AnyEntityType[];
  /** Services (defineService): their entity types are registered with the others, and `cluster` routes to them. */
  services?: readonly AnyServiceType[];
  /**
   * Wall-clock time (ms since the epoch) for cron entries, which name calendar times; world time (`now`)
   * starts at 0. Date.now by default; a game process passes its clock.
   */
  wallClock?: () => number;
  spaceTypes?: readonly SpaceType[];
  /** Builds each AOI-enabled space's index: brute force in tests, the grid in games. */
  aoiFactory: AoiIndexFactory;
  /** Extra components to register up front (entity types' components are registered automatically). */
  components?: readonly ComponentDef[];
  gameId?: number;
  idGenerator?: EntityIdGenerator;
  /** What game code reaches beyond this process through; a local, in-world one by default. */
  cluster?: ClusterApi;
  /** The nil-space handlers `callNilSpaces` reaches (defineGame `nilSpace`), for the local cluster. */
  nilSpace?: NilSpaceHandlers;
  observer?: WorldObserver;
  initialCapacity?: number;
  /** Hard limit on live entities (eid slots); CAPACITY_EXCEEDED beyond it. */
  maxEntities?: number;
  /**
   * `enterSpace` to a space this world does not hold (commit phase, entity alive): a game process migrates
   * the entity to the game that holds it. Without it such an enterSpace is UNKNOWN_SPACE.
   */
  enterRemoteSpace?(entity: AnyEntity, spaceId: EntityId, position: Vec3 | undefined): void;
  /**
   * Receives errors thrown by hooks, RPC handlers, timers and posted callbacks: one bad handler must
   * not stop the tick. Defaults to console.error.
   */
  onError?: (error: unknown, where: string) => void;
  /**
   * Backs `world.resource`; the caller closes them when the world is done (the game server does at
   * stop). A world made without gets its own set, which nothing closes.
   */
  resources?: WorldResources;
}

/**
 * One game world. Immediate: attribute writes, component writes, setPosition, timers, setClient,
 * call, post. Deferred to the commit phase: createEntity, destroyEntity, enterSpace, leaveSpace,
 * createSpace, destroySpace, addComponent, removeComponent (structural changes must not happen while
 * a system iterates a query). Requests made while the commit phase runs (from hooks) wait for the
 * next commit: the queue is double-buffered so hooks cannot loop forever.
 */
export interface GameWorld {
  readonly gameId: number;
  readonly tick: number;
  /** World time in ms, advanced by each tick's dt. Timers run on it. */
  readonly now: number;
  readonly ecs: EcsWorld;
  readonly nilSpace: Space;
  readonly entityCount: number;
  /** Calls, creation and KV across the cluster (GoWorld's package-level API, as an object). */
  readonly cluster: ClusterApi;
  /** Game-level timers, for work that belongs to no entity: not kept across a process swap (world-timers.ts). */
  readonly timers: WorldTimers;

  store<F extends FieldSpecs>(def: ComponentDef<F>): ComponentStore<F>;
  query(defs: readonly ComponentDef[]): QueryResult;
  hasComponent(id: EntityId, def: ComponentDef): boolean;
  addComponent(id: EntityId, def: ComponentDef, values?: Record<string, number>): void;
  removeComponent(id: EntityId, def: ComponentDef): void;

  createEntity(type: string | AnyEntityType, options?: CreateEntityOptions): EntityId;
  destroyEntity(id: EntityId): boolean;
  enterSpace(id: EntityId, spaceId: EntityId, position?: Vec3): void;
  /**
   * Loads a persistent entity onto this game (GoWorld's LoadEntityLocally; with `place.space`, its
   * Space.LoadEntity), unless it exists somewhere already: single instance cluster-wide.
   */
  loadEntity(type: EntityTypeRef, id: EntityId, place?: LoadPlacement): void;
  leaveSpace(id: EntityId): void;
  entity(id: EntityId): AnyEntity | undefined;
  entityByEid(eid: number): AnyEntity | undefined;
  entities(): AnyEntity[];

  createSpace(type: string | SpaceType, options?: CreateSpaceOptions): EntityId;
  destroySpace(id: EntityId): boolean;
  space(id: EntityId): Space | undefined;
  spaces(): Space[];

  /** Runs an RPC now. Client callers are checked for exposure, argument count and types. */
  call(id: EntityId, method: string, args: readonly unknown[], caller?: RpcCaller): CallResult;
  /** `reason` is what onClientDisconnected hears when this unbinds a client; default 'unbound'. */
  setClient(id: EntityId, clientId: string | null, reason?: ClientDisconnectReason): CallResult;
  /**
   * The client `previous` came back as `clientId` (a resume): its entity is rebound without hooks, and the
   * new connection is sent a fresh snapshot (a bind event). INVALID_STATE when `previous` is bound nowhere here.
   */
  resumeClient(previous: string, clientId: string): CallResult;
  giveClientTo(from: EntityId, to: EntityId): CallResult;
  entityOfClient(clientId: string): AnyEntity | undefined;

  /** Entities this one sees / entities that see this one, as of the last AOI phase. */
  interestedIn(id: EntityId): EntityId[];
  interestedBy(id: EntityId): EntityId[];

  /** Per entity, in the order entities first changed this tick. Clears the buffers. */
  drainAttrDeltas(fn: (entity: AnyEntity, deltas: readonly AttrDelta[]) => void): void;
  drainAoiEvents(fn: AoiEventHandler): void;
  drainClientEvents(fn: (event: ClientEvent) => void): void;
  drainClientCalls(fn: (call: ClientCall) => void): void;
  /**
   * Persistent entities created, changed in a persistent attribute, or destroyed since the last drain,
   * with their persistent attributes (destroyed ones included: their final state must be saved).
   */
  drainSaveDirty(fn: (entity: AnyEntity, attrs: Record<string, unknown>) => void): void;
  /**
   * The attributes a client gets with "create entity": the owner's client sees client and allClients
   * attributes, an observer only allClients ones. It reflects every change made so far, including
   * deltas not yet drained.
   */
  clientSnapshot(id: EntityId, audience: 'owner' | 'observer'): Record<string, unknown> | undefined;
  persistentSnapshot(id: EntityId): Record<string, unknown> | undefined;

  addSystem(name: string, system: System): void;
  removeSystem(name: string): boolean;
  /** Queues a callback for the async phase: the one way async results (storage, I/O) re-enter the loop. */
  post(fn: () => void): void;
  /**
   * A long-lived thing the game code needs (a worker pool): made by `create` on first use, kept under
   * `key` across in-place code reloads, closed when the game stops. See world-resources.ts.
   */
  resource<T extends WorldResource>(key: string, create: () => T): T;
  /** Applies the deferred structural ops queued so far (the commit phase). */
  applyDeferred(): void;
  readonly pendingDeferred: number;
  /**
   * Grows whenever an entity enters or leaves a space or a client is bound or unbound: a scan over every
   * client that only matters after one of those (which space a player is in) skips the ticks without.
   */
  readonly membershipChanges: number;
  /** Callbacks posted and not yet run (they run in the next async phase). */
  readonly pendingPosted: number;
  /** Runs one whole tick without inbound/outbound: begin, async, systems, commit, aoi, end. */
  step(dt: number): void;
  readonly phases: WorldPhases;
}

/** The world's share of a tick, phase by phase, for the tick loop to time and interleave with I/O. */
export interface WorldPhases {
  begin(dt: number): void;
  /** Posted callbacks, then due timers. */
  async(): void;
  systems(dt: number): void;
  commit(): void;
  aoi(): void;
  /** Releases destroyed entities' eids (kept until AOI has seen their removal). */
  end(): void;
}

export type { AttrRootInfo, WorldResource, WorldResources };
