import type { AttrDecls } from './attr-decl.ts';
import type { AttrsAccessor } from './attrs.ts';
import type { EntityId } from './entity-id.ts';
import type { AnyEntityType, RpcSignatures } from './entity-type.ts';
import type { ClientCall, MethodCall, TimerCall } from './rpc-types.ts';
import type { Space } from './space.ts';
import type { CallResult, GameWorld } from './world-api.ts';

export interface TimerOptions {
  /** Repeat every `interval` ms (true: every `delayMs`). */
  repeat?: boolean | number;
}

/**
 * Entity timers call an RPC method of the entity BY NAME with plain arguments, so they survive a code
 * reload and a dump/load (with their remaining time). They are cancelled when the entity is destroyed.
 */
export interface EntityTimers<R extends RpcSignatures = RpcSignatures> {
  /**
   * Throws INVALID_ARGUMENT if the method is unknown or the arguments do not fit its spec; on a handle of
   * a declared type (an RPC's or hook's `e`) a misspelt method or a wrong argument is a compile error.
   */
  add(delayMs: number, ...call: TimerCall<R, TimerOptions>): number;
  /** Cancels a timer or a cron entry by id. */
  cancel(timerId: number): boolean;
  /** Timers and cron entries. */
  readonly count: number;
}

/** A crontab entry of an entity (Entity.cron). */
export interface CronHandle {
  /** Its id among the entity's timers (`e.timers.cancel(id)` works too). */
  readonly id: number;
  /** Stops it; false when it was already cancelled or the entity is gone. */
  cancel(): boolean;
}

export interface Vec3 {
  x: number;
  y: number;
  z: number;
}

/**
 * A thin handle on one entity; one object per entity for its whole life. Structural calls
 * (destroy, enterSpace, leaveSpace) are deferred to the world's commit phase; everything else is
 * immediate.
 */
export interface Entity<D extends AttrDecls = AttrDecls, R extends RpcSignatures = RpcSignatures, C extends RpcSignatures = RpcSignatures> {
  readonly id: EntityId;
  /** Local ECS entity number; never leaves this process. */
  readonly eid: number;
  readonly typeName: string;
  readonly type: AnyEntityType;
  readonly attrs: AttrsAccessor<D>;
  readonly world: GameWorld;
  /** The space the entity is in; the nil space when it is in no real space. */
  readonly space: Space;
  /** Id of the client bound to this entity, or null. */
  readonly client: string | null;
  readonly destroyed: boolean;
  readonly timers: EntityTimers<R>;
  /**
   * Calls `method` (an RPC of this entity, by name) with `args` at every time the cron expression names
   * (croner syntax, UTC; 5 fields, or 6 with seconds). Like timers, entries are kept with the entity:
   * they survive a hot swap (process or in place) and a migration, and end when it is destroyed. A bad
   * expression, one that never fires, an unknown method or arguments that do not fit throw
   * INVALID_ARGUMENT here, at registration.
   */
  cron(expr: string, ...call: MethodCall<R>): CronHandle;
  position(): Vec3;
  setPosition(x: number, y: number, z: number): void;
  readonly yaw: number;
  setYaw(yaw: number): void;
  destroy(): void;
  /**
   * Saves a persistent entity now (GoWorld's Save), besides the periodic save and the save at destroy.
   * A failed write is retried while the process lives; `done` runs in the game loop once the save
   * landed (null), or with the error when it never will: STALE_GENERATION (a newer instance of the
   * entity owns it), INVALID_STATE (the game stopped during a storage outage). Throws INVALID_STATE for
   * a type that is not persistent, a destroyed entity, or a world without storage.
   */
  save(done?: (err: Error | null) => void): void;
  enterSpace(spaceId: EntityId, position?: Vec3): void;
  leaveSpace(): void;
  /** Binds (or, with null, unbinds) a client; `{ ok: false }` for an entity destroyed meanwhile. */
  setClient(clientId: string | null): CallResult;
  /**
   * GoWorld's SetClientSyncing: whether position/yaw updates from the owner's client are accepted.
   * Off by default; the inbound layer checks it (and the gate checks ownership).
   */
  readonly clientSyncing: boolean;
  setClientSyncing(on: boolean): void;
  /**
   * Hands this entity's client to `other` in the same game. `{ ok: false }` when `other` is not here
   * (UNKNOWN_ENTITY: for an entity on another game use `world.cluster.giveClientTo`) or this entity has
   * no client (INVALID_STATE); nothing changes then.
   */
  giveClientTo(other: EntityId): CallResult;
  /** Queues a call to a method on the entity's own client (sent by the outbound layer). */
  callClient(...call: ClientCall<C>): void;
  /** Queues a call on the own client and every client whose entity sees this one. */
  callAllClients(...call: ClientCall<C>): void;
}

export type AnyEntity = Entity<AttrDecls>;
