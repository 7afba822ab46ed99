import type { ClusterApi, FilterOperator } from '../../core/cluster-api.ts';
import { requireClient, requireEntityId } from '../../core/cluster-checks.ts';
import type { EntityId, EntityIdGenerator } from '../../core/entity-id.ts';
import { TsworldError } from '../../core/errors.ts';
import { serviceCalls, type ServiceCatalog } from '../../core/service-calls.ts';
import type { GameWorld } from '../../core/world-api.ts';
import { CLOSE_CODES, FILTER_OPS, MSG, entityIdShard, type WireCodec } from '../../protocol/index.ts';
import { checkField } from '../../protocol/fields.ts';
import type { KvStore } from '../../storage/index.ts';
import type { Link } from '../../transport/index.ts';
import type { ClientHandoffs } from './client-handoffs.ts';
import type { ClientFilters } from './client-filters.ts';
import { placementCalls, type PlacementDeps } from './placement-calls.ts';
import type { Inflight } from './inflight.ts';
import type { Clock } from '../../tick/clock.ts';

export interface ClusterBridgeDeps {
  gameId: number;
  codec: WireCodec;
  ids: EntityIdGenerator;
  kv: KvStore;
  /** KV answers are tracked so a hot-swap freeze waits for them. */
  inflight: Inflight;
  /** Dispatcher links in dispatcher-id order; entity traffic goes to the entity's shard. */
  dispatchers(): readonly (Link | undefined)[];
  clientGates: Map<string, number>;
  handoffs: ClientHandoffs;
  /** The filter properties set on clients, kept so a resumed client gets them on its new gate. */
  filters?: ClientFilters;
  clock: Clock;
  /** The dispatcher that carries a gate's client traffic (the one callClient goes through). */
  gateLink(gateId: number): Link | undefined;
  /**
   * Runs `send` in this tick's outbound phase, after the world's client calls and deltas are written:
   * what must not overtake them (a kick) goes last, on the same link.
   */
  afterClientEvents(send: () => void): void;
  /** Set once the world exists (the world needs the bridge at construction). */
  world(): GameWorld;
  /** The game module's services; their shards are reached by id through the shard's dispatcher. */
  services: ServiceCatalog;
  /** Runs `done` in the game loop once the dispatchers report every shard placed (game-services.ts). */
  whenServicesReady(done: () => void): void;
  /** What the placement calls need besides the above (placement-calls.ts). */
  placement: Pick<PlacementDeps, 'storage' | 'nilSpace' | 'onlineGames' | 'report'>;
}

type Deps = ClusterBridgeDeps;

function shardLink(deps: Deps, entityId: EntityId): Link {
  requireEntityId(entityId);
  const links = deps.dispatchers();
  const link = links[entityIdShard(entityId, links.length)];
  if (!link) throw new TsworldError('TRANSPORT_FAILURE', `dispatcher for entity ${entityId} is not connected`);
  return link;
}

function anyLink(deps: Deps): Link {
  const link = deps.dispatchers().find((l) => l !== undefined);
  if (!link) throw new TsworldError('TRANSPORT_FAILURE', 'no dispatcher is connected');
  return link;
}

/** Names and attribute maps are checked here, so a bad one is the caller's error, not a broken frame. */
function requireCreate(typeName: string, attrs: unknown): void {
  const bad = checkField('name', typeName) ?? checkField('map', attrs);
  if (bad !== null) throw new TsworldError('INVALID_ARGUMENT', `entity type ${JSON.stringify(typeName)}: ${bad}`);
}

/** The gate and client of one of this game's entities, for the gate-side operations on its client. */
function clientOf(deps: Deps, entityId: EntityId, what: string): { gateId: number; clientId: string } {
  const clientId = requireClient(deps.world().entity(entityId)?.client, entityId, what);
  const gateId = requireClient(deps.clientGates.get(clientId), entityId, what);
  return { gateId, clientId };
}

/** Local when the target is here; otherwise the client is handed to the target's game through its dispatcher. */
function giveClientTo(deps: Deps, from: EntityId, to: EntityId): void {
  const world = deps.world();
  const source = world.entity(from);
  const clientId = source?.client;
  if (!source || !clientId) throw new TsworldError('INVALID_STATE', `giveClientTo: entity ${from} has no client`);
  if (world.entity(to)) {
    const result = world.giveClientTo(from, to);
    if (!result.ok) throw new TsworldError(result.code, `giveClientTo: ${result.message}`);
    return;
  }
  const gateId = deps.clientGates.get(clientId);
  if (gateId === undefined) throw new TsworldError('INVALID_STATE', `giveClientTo: gate of client ${clientId} is unknown`);
  const link = shardLink(deps, to);
  world.setClient(from, null, 'given-away');
  deps.codec.encodeTo(link, MSG.GIVE_CLIENT, { entityId: to, clientId, gateId });
  // The client is the other game's now; a disconnect that still reaches us is forwarded after it.
  deps.clientGates.delete(clientId);
  deps.handoffs.handedOff(clientId, to, deps.clock.now());
}

/** KV results re-enter the game loop through world.post: game code never runs concurrently with a tick. */
function clusterKv(deps: Deps): ClusterApi['kv'] {
  function settle<T>(promise: Promise<T>, done: (err: Error | null, value: T | undefined) => void): void {
    deps.inflight.track(promise).then(
      (value) => deps.world().post(() => done(null, value)),
      (err: unknown) => deps.world().post(() => done(err instanceof Error ? err : new Error(String(err)), undefined)),
    );
  }
  return {
    get: (key, done) => settle<string | undefined>(deps.kv.get(key), done),
    put: (key, value, done) => settle(deps.kv.put(key, value), (err) => done?.(err)),
    getOrPut: (key, value, done) => settle(deps.kv.getOrPut(key, value), (err, stored) => done(err, stored ?? value)),
  };
}

/**
 * ClusterApi for a game process: everything goes through the dispatchers, even calls to entities that
 * happen to be local, so that every call to an entity takes one path and keeps its order. (GoWorld
 * shortcut local calls, which reorders them against remote calls sent earlier.)
 */
export function createClusterBridge(deps: ClusterBridgeDeps): ClusterApi {
  const { codec } = deps;
  const call = (entityId: EntityId, method: string, args: readonly unknown[] = []) => {
    codec.encodeTo(shardLink(deps, entityId), MSG.CALL_ENTITY_METHOD, { entityId, method, args: [...args] });
  };
  return {
    gameId: deps.gameId,
    call,
    createEntityAnywhere(typeName, attrs = {}) {
      requireCreate(typeName, attrs);
      const entityId = deps.ids.next();
      codec.encodeTo(shardLink(deps, entityId), MSG.CREATE_ENTITY_ANYWHERE, { entityId, typeName, attrs });
      return entityId;
    },
    createEntityOnGame(gameId, type, attrs = {}) {
      const typeName = typeof type === 'string' ? type : type.name;
      requireCreate(typeName, attrs);
      const entityId = deps.ids.next();
      // Through the entity's own dispatcher: calls sent to it next take the same link, so none overtakes it.
      codec.encodeTo(shardLink(deps, entityId), MSG.CREATE_ENTITY_ON_GAME, { gameId, entityId, typeName, attrs });
      return entityId;
    },
    loadEntityAnywhere(typeName, entityId) {
      requireCreate(typeName, {});
      codec.encodeTo(shardLink(deps, entityId), MSG.LOAD_ENTITY_ANYWHERE, { entityId, typeName });
    },
    giveClientTo: (from, to) => giveClientTo(deps, from, to),
    setClientFilterProp(entityId, key, value) {
      const client = clientOf(deps, entityId, 'setClientFilterProp');
      codec.encodeTo(anyLink(deps), MSG.SET_CLIENT_FILTER_PROP, { ...client, key, value });
      deps.filters?.set(client.clientId, key, value);
    },
    clearClientFilterProps(entityId) {
      const client = clientOf(deps, entityId, 'clearClientFilterProps');
      codec.encodeTo(anyLink(deps), MSG.CLEAR_CLIENT_FILTER_PROPS, client);
      deps.filters?.clear(client.clientId);
    },
    kickClient(entityId, reason) {
      const clientId = requireClient(deps.world().entity(entityId)?.client, entityId, 'kickClient');
      // A client in its resume grace period has no connection left to close: kicking it ends the period
      // now (a second login taking over an avatar whose first session just dropped).
      if (!deps.clientGates.has(clientId)) return void deps.world().setClient(entityId, null, 'kicked');
      const client = clientOf(deps, entityId, 'kickClient');
      deps.afterClientEvents(() => {
        const link = deps.gateLink(client.gateId);
        if (link) codec.encodeTo(link, MSG.KICK_CLIENT, { ...client, code: CLOSE_CODES.kicked, reason: reason.slice(0, 120) });
      });
    },
    callFilteredClients(key: string, op: FilterOperator, value: string, method: string, args: readonly unknown[] = []) {
      // One dispatcher is enough: it reaches every gate. (GoWorld sent it through all of them, so clients
      // got the call once per dispatcher.)
      codec.encodeTo(anyLink(deps), MSG.FILTERED_CALL, { key, op: FILTER_OPS.indexOf(op), value, method, args: [...args] });
    },
    kv: clusterKv(deps),
    ...placementCalls({ ...deps.placement, codec, ids: deps.ids, inflight: deps.inflight, world: deps.world, shardLink: (id) => shardLink(deps, id), anyLink: () => anyLink(deps) }),
    ...serviceCalls(deps.services, call, deps.whenServicesReady),
  };
}
