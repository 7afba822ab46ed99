import type { EntityId } from './entity-id.ts';
import type { AnyEntityType } from './entity-type.ts';
import type { MethodCall, RpcTableOf } from './rpc-types.ts';
import type { EntityTypeRef, PlacementCalls } from './placement-api.ts';
import type { ServiceCalls } from './service-calls.ts';

/** GoWorld's filter operators for CallFilteredClients. */
export type FilterOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

/**
 * What game code can do beyond its own game process: call any entity anywhere, create and load entities
 * on other games, hand clients across games, broadcast to filtered clients, and use the KV store. A world
 * made for a unit test gets a local implementation (everything stays in the one world); a game process
 * plugs in the one that goes through the dispatchers. Every operation is fire-and-forget or answers
 * through a callback that runs inside the game loop, never concurrently with it.
 *
 * Errors, the same in both implementations (test/contract/cluster-api.test.ts):
 * - what the calling game can know is thrown at once, as a TsworldError: a malformed id or value
 *   (INVALID_ARGUMENT), an entity of this game that has no client (INVALID_STATE), no dispatcher to
 *   send through (TRANSPORT_FAILURE);
 * - what only the target can know (no such entity, method or argument mismatch) is reported where the
 *   target runs (its game's error log), as GoWorld's fire-and-forget calls are; the caller is not told.
 */
export interface ClusterApi extends ServiceCalls, PlacementCalls {
  readonly gameId: number;
  /**
   * Calls a server-side method of an entity wherever it lives. Calls to one entity arrive in order. Name
   * the target's type to have the method and arguments checked at compile time:
   * `world.cluster.call<typeof Avatar>(id, 'say', ['hi'])`; without it any name compiles.
   */
  call<T = AnyEntityType>(entityId: EntityId, ...call: MethodCall<RpcTableOf<T>>): void;
  /** Creates an entity on the least loaded game; the id is valid at once (calls to it are held until it exists). */
  createEntityAnywhere(typeName: string, attrs?: Record<string, unknown>): EntityId;
  /** Creates an entity on game `gameId` (GoWorld's CreateEntityOnGame); the id is valid at once. */
  createEntityOnGame(gameId: number, type: EntityTypeRef, attrs?: Record<string, unknown>): EntityId;
  /** Loads a persistent entity onto the least loaded game, unless it already exists somewhere (one instance). */
  loadEntityAnywhere(typeName: string, entityId: EntityId): void;
  /** Moves a client from one of this game's entities to an entity on any game. */
  giveClientTo(from: EntityId, to: EntityId): void;
  /** Sets a filter property on the gate-side proxy of the entity's client. */
  setClientFilterProp(entityId: EntityId, key: string, value: string): void;
  /** Clears every filter property of the entity's client. */
  clearClientFilterProps(entityId: EntityId): void;
  /** Disconnects the entity's client (close code 4010, `reason` shown to the player); the entity stays. */
  kickClient(entityId: EntityId, reason: string): void;
  /** Calls `method` on every client whose filter property `key` compares true against `value`; each exactly once. */
  callFilteredClients(key: string, op: FilterOperator, value: string, method: string, args?: readonly unknown[]): void;
  readonly kv: ClusterKv;
}

/** Callbacks run in the game loop (the async phase), with an Error instead of a throw. */
export interface ClusterKv {
  get(key: string, done: (err: Error | null, value: string | undefined) => void): void;
  put(key: string, value: string, done?: (err: Error | null) => void): void;
  /** Atomic: stores `value` only if the key is absent; answers the value now stored. */
  getOrPut(key: string, value: string, done: (err: Error | null, stored: string) => void): void;
}
