import type { ClusterApi, FilterOperator } from '../../core/cluster-api.ts';
import type { EntityId, EntityIdGenerator } from '../../core/entity-id.ts';
import type { GameWorld } from '../../core/world-api.ts';
import { FILTER_OPS, MSG, entityIdShard, type WireCodec } from '../../protocol/index.ts';
import type { KvStore } from '../../storage/index.ts';
import type { Link } from '../../transport/index.ts';
import type { ClientHandoffs } from './client-handoffs.ts';
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
  clock: Clock;
  /** Set once the world exists (the world needs the bridge at construction). */
  world(): GameWorld;
}

/**
 * ClusterApi for a game process: everything goes through the dispatchers, even calls to entities that
 * happen to be local, so that every call to an entity takes one path and keeps its order. (GoWorld
 * shortcut local calls, which reorders them against remote calls sent earlier.)
 */
export function createClusterBridge(deps: ClusterBridgeDeps): ClusterApi {
  const { codec } = deps;

  function shardLink(entityId: EntityId): Link {
    const links = deps.dispatchers();
    const link = links[entityIdShard(entityId, links.length)];
    if (!link) throw new Error(`dispatcher for entity ${entityId} is not connected`);
    return link;
  }

  function anyLink(): Link {
    const link = deps.dispatchers().find((l) => l !== undefined);
    if (!link) throw new Error('no dispatcher is connected');
    return link;
  }

  /** KV results re-enter the game loop through world.post: game code never runs concurrently with a tick. */
  function settle<T>(promise: Promise<T>, done: (err: Error | null, value: T | undefined) => void): void {
    deps.inflight.track(promise).then(
      (value) => deps.world().post(() => done(null, value)),
      (err: unknown) => deps.world().post(() => done(err instanceof Error ? err : new Error(String(err)), undefined)),
    );
  }

  return {
    gameId: deps.gameId,
    call(entityId, method, args = []) {
      codec.encodeTo(shardLink(entityId), MSG.CALL_ENTITY_METHOD, { entityId, method, args: [...args] });
    },
    createEntityAnywhere(typeName, attrs = {}) {
      const entityId = deps.ids.next();
      codec.encodeTo(shardLink(entityId), MSG.CREATE_ENTITY_ANYWHERE, { entityId, typeName, attrs });
      return entityId;
    },
    loadEntityAnywhere(typeName, entityId) {
      codec.encodeTo(shardLink(entityId), MSG.LOAD_ENTITY_ANYWHERE, { entityId, typeName });
    },
    giveClientTo(from, to) {
      const world = deps.world();
      const source = world.entity(from);
      const clientId = source?.client;
      if (!source || !clientId) throw new Error(`giveClientTo: entity ${from} has no client`);
      if (world.entity(to)) {
        const result = world.giveClientTo(from, to);
        if (!result.ok) throw new Error(`giveClientTo: ${result.message}`);
        return;
      }
      const gateId = deps.clientGates.get(clientId);
      if (gateId === undefined) throw new Error(`giveClientTo: gate of client ${clientId} is unknown`);
      world.setClient(from, null);
      codec.encodeTo(shardLink(to), MSG.GIVE_CLIENT, { entityId: to, clientId, gateId });
      // The client is the other game's now; a disconnect that still reaches us is forwarded after it.
      deps.clientGates.delete(clientId);
      deps.handoffs.handedOff(clientId, to, deps.clock.now());
    },
    setClientFilterProp(entityId, key, value) {
      const clientId = deps.world().entity(entityId)?.client;
      const gateId = clientId ? deps.clientGates.get(clientId) : undefined;
      if (!clientId || gateId === undefined) throw new Error(`setClientFilterProp: entity ${entityId} has no client`);
      codec.encodeTo(anyLink(), MSG.SET_CLIENT_FILTER_PROP, { gateId, clientId, key, value });
    },
    callFilteredClients(key: string, op: FilterOperator, value: string, method: string, args: readonly unknown[] = []) {
      // One dispatcher is enough: it reaches every gate. (GoWorld sent it through all of them, so clients
      // got the call once per dispatcher.)
      codec.encodeTo(anyLink(), MSG.FILTERED_CALL, { key, op: FILTER_OPS.indexOf(op), value, method, args: [...args] });
    },
    kv: {
      get: (key, done) => settle<string | undefined>(deps.kv.get(key), done),
      put: (key, value, done) => settle(deps.kv.put(key, value), (err) => done?.(err)),
      getOrPut: (key, value, done) => settle(deps.kv.getOrPut(key, value), (err, stored) => done(err, stored ?? value)),
    },
  };
}
