import type { AttrDecls } from './attr-decl.ts';
import { checkArgs } from './entity-handle.ts';
import type { EntityId } from './entity-id.ts';
import { TsworldError } from './errors.ts';
import { shardOfKey, type AnyServiceType, type ServiceType } from './service.ts';
import type { InferTuple, TypeSpec } from './value-types.ts';

type Rpc = Record<string, readonly TypeSpec[]>;

/**
 * The service calls of ClusterApi. Given the ServiceType, method names and argument types are checked by
 * TypeScript; given a name, at runtime only. Either way every call is checked at the caller before it is
 * sent (unknown service, shard or method, arguments that do not fit: INVALID_ARGUMENT, thrown at once),
 * and again where the shard runs, as any entity RPC is. Delivery is an entity call: ordered per shard,
 * fire-and-forget; replies are calls back to the caller's entity.
 */
export interface ServiceCalls {
  /** To one shard, chosen in rotation (for services whose shards are interchangeable). */
  callService<D extends AttrDecls, R extends Rpc, M extends keyof R & string>(service: ServiceType<D, R>, method: M, args: InferTuple<R[M]>): void;
  callService(service: string, method: string, args?: readonly unknown[]): void;
  /** To every shard, each once (sent in shard order; shards on different games run them in no fixed order). */
  callServiceAll<D extends AttrDecls, R extends Rpc, M extends keyof R & string>(service: ServiceType<D, R>, method: M, args: InferTuple<R[M]>): void;
  callServiceAll(service: string, method: string, args?: readonly unknown[]): void;
  /** To shard `index` (0-based). */
  callServiceShard<D extends AttrDecls, R extends Rpc, M extends keyof R & string>(service: ServiceType<D, R>, index: number, method: M, args: InferTuple<R[M]>): void;
  callServiceShard(service: string, index: number, method: string, args?: readonly unknown[]): void;
  /** To the shard that owns `key` (a stable hash: the same shard in every process and after restarts). */
  callServiceByKey<D extends AttrDecls, R extends Rpc, M extends keyof R & string>(service: ServiceType<D, R>, key: string | number, method: M, args: InferTuple<R[M]>): void;
  callServiceByKey(service: string, key: string | number, method: string, args?: readonly unknown[]): void;
  /** The entity id of a shard, to pass on or to call with `call`. */
  serviceShardId(service: AnyServiceType | string, index: number): EntityId;
  /**
   * Runs `done` in the game loop once every shard of every declared service exists somewhere in the
   * cluster (at once, next async phase, if that is already known). The module hook onServicesReady says
   * the same.
   */
  servicesReady(done: () => void): void;
}

/** The services a game declares, by name. */
export interface ServiceCatalog {
  get(name: string): AnyServiceType | undefined;
  readonly all: readonly AnyServiceType[];
}

export function createServiceCatalog(services: readonly AnyServiceType[]): ServiceCatalog {
  const byName = new Map<string, AnyServiceType>();
  for (const service of services) {
    if (service?.kind !== 'service') throw new TsworldError('INVALID_DECLARATION', 'services must be made by defineService');
    if (byName.has(service.name)) throw new TsworldError('INVALID_DECLARATION', `two services are named ${service.name}`);
    byName.set(service.name, service);
  }
  return { get: (name) => byName.get(name), all: [...byName.values()] };
}

/** Which shards a call goes to. */
export type ShardChoice = { kind: 'any' } | { kind: 'all' } | { kind: 'shard'; index: number } | { kind: 'key'; key: string | number };

function lookup(catalog: ServiceCatalog, service: AnyServiceType | string): AnyServiceType {
  const name = typeof service === 'string' ? service : service?.name;
  const found = typeof name === 'string' ? catalog.get(name) : undefined;
  if (found === undefined) {
    const known = catalog.all.map((s) => s.name).join(', ') || 'none';
    throw new TsworldError('INVALID_ARGUMENT', `no service ${JSON.stringify(name)} is declared in this game (declared: ${known})`);
  }
  return found;
}

export function shardIdOf(catalog: ServiceCatalog, service: AnyServiceType | string, index: number): EntityId {
  const found = lookup(catalog, service);
  if (!Number.isInteger(index) || index < 0 || index >= found.shards) {
    throw new TsworldError('INVALID_ARGUMENT', `service ${found.name} has shards 0..${found.shards - 1}, not ${String(index)}`);
  }
  return found.shardIds[index]!;
}

/**
 * Checks a service call and answers the shard ids it goes to. `rotate` gives the next shard for an
 * "any one shard" call.
 */
export function serviceTargets(
  catalog: ServiceCatalog,
  service: AnyServiceType | string,
  method: string,
  args: readonly unknown[],
  choice: ShardChoice,
  rotate: (shards: number) => number,
): EntityId[] {
  const found = lookup(catalog, service);
  const decl = found.type.rpc.get(method);
  if (decl === undefined) throw new TsworldError('INVALID_ARGUMENT', `service ${found.name} has no method ${JSON.stringify(method)}`);
  const bad = checkArgs(decl.args, args);
  if (bad !== null) throw new TsworldError('INVALID_ARGUMENT', `${found.name}.${method}: ${bad}`);
  switch (choice.kind) {
    case 'all':
      return [...found.shardIds];
    case 'any':
      return [found.shardIds[rotate(found.shards) % found.shards]!];
    case 'shard':
      return [shardIdOf(catalog, found, choice.index)];
    case 'key': {
      const key = choice.key;
      if (typeof key !== 'string' && !(typeof key === 'number' && Number.isFinite(key))) {
        throw new TsworldError('INVALID_ARGUMENT', `service ${found.name}: a key is a string or a finite number`);
      }
      return [found.shardIds[shardOfKey(key, found.shards)]!];
    }
  }
}

/**
 * The ServiceCalls of a ClusterApi, on top of its `call`: both implementations (local and through the
 * dispatchers) share the checks and the shard choice, and differ only in how a call and readiness travel.
 */
export function serviceCalls(catalog: ServiceCatalog, call: (id: EntityId, method: string, args: readonly unknown[]) => void, ready: (done: () => void) => void): ServiceCalls {
  let next = 0;
  const rotate = () => next++;
  const send = (service: AnyServiceType | string, method: string, args: readonly unknown[] | undefined, choice: ShardChoice) => {
    const list = args ?? [];
    for (const id of serviceTargets(catalog, service, method, list, choice, rotate)) call(id, method, list);
  };
  return {
    callService: (service: AnyServiceType | string, method: string, args?: readonly unknown[]) => send(service, method, args, { kind: 'any' }),
    callServiceAll: (service: AnyServiceType | string, method: string, args?: readonly unknown[]) => send(service, method, args, { kind: 'all' }),
    callServiceShard: (service: AnyServiceType | string, index: number, method: string, args?: readonly unknown[]) =>
      send(service, method, args, { kind: 'shard', index }),
    callServiceByKey: (service: AnyServiceType | string, key: string | number, method: string, args?: readonly unknown[]) =>
      send(service, method, args, { kind: 'key', key }),
    serviceShardId: (service, index) => shardIdOf(catalog, service, index),
    servicesReady: ready,
  };
}
