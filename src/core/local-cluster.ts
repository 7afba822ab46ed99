import type { ClusterApi } from './cluster-api.ts';
import { compareFilterProp } from './filter-compare.ts';
import { TsworldError } from './errors.ts';
import type { GameWorld } from './world-api.ts';

/**
 * The ClusterApi of a world that is alone (unit tests, single-process tools): every operation stays in
 * the one world, with the same asynchrony a game process has — calls and KV answers run in the world's
 * async phase, in the order they were made, never inside the caller's stack.
 */
export function createLocalCluster(world: GameWorld): ClusterApi {
  const filterProps = new Map<string, Map<string, string>>();
  const kv = new Map<string, string>();
  // Ids requested but not yet created (creation waits for the commit phase): "one instance" holds.
  const loading = new Set<string>();
  const report = (message: string) =>
    world.post(() => {
      throw new TsworldError('UNKNOWN_ENTITY', message);
    });

  return {
    get gameId() {
      return world.gameId;
    },
    call(entityId, method, args = []) {
      world.post(() => {
        const result = world.call(entityId, method, args);
        if (!result.ok) throw new TsworldError(result.code, result.message);
      });
    },
    createEntityAnywhere(typeName, attrs) {
      return world.createEntity(typeName, { attrs });
    },
    loadEntityAnywhere(typeName, entityId) {
      // No storage behind a lone world: "load" makes the entity with that id unless it exists already.
      world.post(() => {
        if (world.entity(entityId) !== undefined || loading.has(entityId)) return;
        loading.add(entityId);
        world.createEntity(typeName, { id: entityId });
        // Posted from the async phase, this runs in the next tick's: after this tick's commit.
        world.post(() => loading.delete(entityId));
      });
    },
    giveClientTo(from, to) {
      world.post(() => {
        const result = world.giveClientTo(from, to);
        if (!result.ok) throw new TsworldError(result.code, result.message);
      });
    },
    setClientFilterProp(entityId, key, value) {
      const client = world.entity(entityId)?.client;
      if (client === undefined || client === null) return report(`entity ${entityId} has no client for filter prop ${key}`);
      let props = filterProps.get(client);
      if (props === undefined) filterProps.set(client, (props = new Map()));
      props.set(key, value);
    },
    callFilteredClients(key, op, value, method, args = []) {
      for (const [client, props] of filterProps) {
        const prop = props.get(key);
        const owner = world.entityOfClient(client);
        if (prop === undefined || owner === undefined || !compareFilterProp(prop, op, value)) continue;
        owner.callClient(method, args);
      }
    },
    kv: {
      get(key, done) {
        world.post(() => done(null, kv.get(key)));
      },
      put(key, value, done) {
        kv.set(key, value);
        world.post(() => done?.(null));
      },
      getOrPut(key, value, done) {
        if (!kv.has(key)) kv.set(key, value);
        const stored = kv.get(key) as string;
        world.post(() => done(null, stored));
      },
    },
  };
}
