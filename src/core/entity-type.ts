import { Position, Yaw } from '../ecs/builtin-components.ts';
import type { ComponentDef } from '../ecs/schema.ts';
import { compileAttrLayout, type AttrDecls, type AttrLayout } from './attr-decl.ts';
import type { Entity, AnyEntity } from './entity.ts';
import { TsworldError } from './errors.ts';
import type { Space } from './space.ts';
import type { InferTuple, TypeSpec } from './value-types.ts';
import type { GameWorld } from './world-api.ts';

/**
 * Who may call an RPC method: only server code ('server'), the entity's own client ('ownClient'), or
 * any client whose entity sees this one ('allClients'). Replaces GoWorld's `_Client` / `_AllClients`
 * name suffixes. Server code and timers may call every method.
 */
export type RpcExposure = 'server' | 'ownClient' | 'allClients';

export interface RpcDecl<E, A extends readonly TypeSpec[]> {
  readonly expose: RpcExposure;
  /** One spec per argument: gives the handler's parameter types and the runtime check for client input. */
  readonly args: A;
  /**
   * What it returns (or the value its Promise settles with) answers a client's request (`me.request.m()`)
   * as msgpack; plain calls, timers and server calls ignore it.
   */
  readonly fn: (e: E, ...args: InferTuple<A>) => unknown;
}

/** Lifecycle hooks, GoWorld's set plus onEnterAOI/onLeaveAOI. `world` is the entity's game world. */
export interface EntityHooks<E> {
  /** The entity exists but its attributes are not set yet. */
  onInit?(e: E, world: GameWorld): void;
  onAttrsReady?(e: E, world: GameWorld): void;
  onCreated?(e: E, world: GameWorld): void;
  onDestroy?(e: E, world: GameWorld): void;
  /** Not called for the nil space, which stands for "in no space". */
  onEnterSpace?(e: E, space: Space, world: GameWorld): void;
  onLeaveSpace?(e: E, space: Space, world: GameWorld): void;
  /** `other` came into this entity's AOI. It may already be destroyed on leave (check `other.destroyed`). */
  onEnterAOI?(e: E, other: AnyEntity, world: GameWorld): void;
  onLeaveAOI?(e: E, other: AnyEntity, world: GameWorld): void;
  onMigrateIn?(e: E, world: GameWorld): void;
  onMigrateOut?(e: E, world: GameWorld): void;
  /** An enterSpace to another game's space was refused (the entity stays where it was): `code` says why. */
  onMigrateFailed?(e: E, failure: { readonly spaceId: string; readonly code: string; readonly message: string }, world: GameWorld): void;
  /** Called on every entity just before the world is dumped for a hot swap. */
  onFreeze?(e: E, world: GameWorld): void;
  /** Called after a world is loaded from a dump, instead of onAttrsReady/onCreated/onEnterSpace. */
  onRestored?(e: E, world: GameWorld): void;
  onClientConnected?(e: E, clientId: string, world: GameWorld): void;
  /** The client is no longer this entity's; `reason` says why (a lost connection only after resumeGraceMs). */
  onClientDisconnected?(e: E, clientId: string, world: GameWorld, reason: ClientDisconnectReason): void;
}

/**
 * Why an entity lost its client. 'connection-lost' and 'gate-lost' come only once the client did not
 * resume within `gateDefaults.resumeGraceMs`; 'client-closed' (the client closed normally) and 'kicked'
 * (kickClient) at once; 'unbound' (setClient), 'given-away' (giveClientTo) and 'destroyed' from game code.
 */
export type ClientDisconnectReason = 'connection-lost' | 'gate-lost' | 'client-closed' | 'kicked' | 'unbound' | 'given-away' | 'destroyed';

/** An entity type's AOI participation: false keeps it out of every AOI index; a radius overrides the space's. */
export type EntityAoiOption = boolean | { readonly radius: number };

/** Argument specs by method name: an RPC table's shape, for the methods a type serves or its clients serve. */
export type RpcSignatures = Record<string, readonly TypeSpec[]>;

export interface EntityTypeDecl<D extends AttrDecls, R extends RpcSignatures, C extends RpcSignatures = Record<never, never>, N extends string = string> {
  readonly name: N;
  /** Persistent types are saved by storage; only they may declare persistent attributes. */
  readonly persistent?: boolean;
  /** Components every entity of this type has. Position and Yaw are always added (first). */
  readonly components?: readonly ComponentDef[];
  readonly attrs?: D;
  readonly rpc?: { readonly [K in keyof R]: RpcDecl<Entity<D, R, C>, R[K]> };
  readonly hooks?: EntityHooks<Entity<D, R, C>>;
  readonly aoi?: EntityAoiOption;
  /**
   * The methods this type's server code calls on its clients (`callClient`, `callAllClients`) with their
   * argument specs. Types only: it gives the client SDK its handler types (`client.on('call', 'onEcho',
   * (seq, tag) => ...)`); nothing is checked at run time.
   */
  readonly clientRpc?: C;
}

export interface EntityType<D extends AttrDecls = AttrDecls, R extends RpcSignatures = RpcSignatures, C extends RpcSignatures = RpcSignatures, N extends string = string> {
  readonly kind: 'entityType';
  /** The declared name, as its literal type: a game's `bootEntity` is checked against its types' names. */
  readonly name: N;
  readonly persistent: boolean;
  readonly components: readonly ComponentDef[];
  readonly attrLayout: AttrLayout;
  /** Type-erased at definition: the declaration already checked handler types against D. */
  readonly rpc: ReadonlyMap<string, RuntimeRpc>;
  readonly hooks: EntityHooks<AnyEntity>;
  readonly aoi: EntityAoiOption;
  /** Phantoms for typing handles; never set. */
  readonly __attrs?: D;
  readonly __rpc?: R;
  readonly __clientRpc?: C;
}

export interface RuntimeRpc {
  readonly expose: RpcExposure;
  readonly args: readonly TypeSpec[];
  /** Arguments must already be checked against `args`. */
  invoke(e: AnyEntity, args: readonly unknown[]): unknown;
}

export type AnyEntityType = EntityType<AttrDecls, RpcSignatures, RpcSignatures>;

// At most 64 characters: type names travel in frames whose `name` fields are limited to that (SPEC.md).
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Declares an entity type: the main user-facing API. Everything is validated here, so a bad
 * declaration fails at startup with INVALID_DECLARATION rather than at the first call.
 *
 * ```ts
 * const Avatar = defineEntityType({
 *   name: 'Avatar', persistent: true, components: [Velocity],
 *   attrs: { name: attr(t.string, { flags: ['allClients', 'persistent'] }) },
 *   rpc: { say: { expose: 'allClients', args: [t.string], fn: (e, text) => e.callAllClients('onSay', [text]) } },
 *   hooks: { onCreated(e) { e.timers.add(1000, 'tick', [], { repeat: true }) } },
 * });
 * ```
 */
export function defineEntityType<
  D extends AttrDecls = Record<never, never>,
  const R extends RpcSignatures = Record<never, never>,
  const C extends RpcSignatures = Record<never, never>,
  const N extends string = string,
>(decl: EntityTypeDecl<D, R, C, N>): EntityType<D, R, C, N> {
  if (!NAME.test(decl.name)) {
    throw new TsworldError('INVALID_DECLARATION', `entity type name ${JSON.stringify(decl.name)} is not an identifier of at most 64 characters`);
  }
  const persistent = decl.persistent ?? false;
  const attrLayout = compileAttrLayout(decl.name, decl.attrs ?? {}, persistent);
  const rpc = new Map<string, RuntimeRpc>();
  for (const [method, r] of Object.entries(decl.rpc ?? {}) as [string, RpcDecl<Entity<D>, readonly TypeSpec[]>][]) {
    if (r.expose !== 'server' && r.expose !== 'ownClient' && r.expose !== 'allClients') {
      throw new TsworldError('INVALID_DECLARATION', `${decl.name}.${method}: expose must be server, ownClient or allClients`);
    }
    if (!Array.isArray(r.args) || typeof r.fn !== 'function') {
      throw new TsworldError('INVALID_DECLARATION', `${decl.name}.${method}: an RPC needs an args array and a fn`);
    }
    const fn = r.fn as unknown as (e: AnyEntity, ...args: unknown[]) => unknown;
    rpc.set(method, Object.freeze({ expose: r.expose, args: Object.freeze([...r.args]), invoke: (e: AnyEntity, args: readonly unknown[]) => fn(e, ...args) }));
  }
  const aoi = decl.aoi ?? true;
  if (typeof aoi === 'object' && !(aoi.radius >= 0)) {
    throw new TsworldError('INVALID_DECLARATION', `${decl.name}: aoi radius must be a non-negative number`);
  }
  const names = new Set<string>();
  for (const c of decl.components ?? []) {
    if (names.has(c.name)) throw new TsworldError('INVALID_DECLARATION', `${decl.name}: component ${c.name} listed twice`);
    names.add(c.name);
  }
  return Object.freeze({
    kind: 'entityType',
    name: decl.name,
    persistent,
    // Position and Yaw first, always: every entity has them, and this list is used per entity created.
    components: Object.freeze([Position, Yaw, ...(decl.components ?? []).filter((c) => c !== Position && c !== Yaw)]),
    attrLayout,
    rpc,
    hooks: Object.freeze({ ...decl.hooks }) as EntityHooks<AnyEntity>,
    aoi,
  });
}
