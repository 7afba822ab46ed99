import type { ClusterApi } from './cluster-api.ts';
import { compareFilterProp } from './filter-compare.ts';
import { isEntityId } from './entity-id.ts';
import { TsworldError } from './errors.ts';
import type { GameWorld } from './world-api.ts';

/**
 * The ClusterApi of a world that is alone (unit tests, single-process tools): every operation stays in
 * the one world, with the same asynchrony a game process has — calls and KV answers run in the world's
 * async phase, in the order they were made, never inside the caller's stack.
 */
export function createLocalCluster(
  world: GameWorld,
  report: (error: unknown) => void = (error) =>
    world.post(() => {
      throw error;
    }),
): ClusterApi {
  const filterProps = new Map<string, Map<string, string>>();
  const kv = new Map<string, string>();
  // Ids requested but not yet created (creation waits for the commit phase): "one instance" holds.
  const loading = new Set<string>();
  // Calls to entities created through the cluster but not yet committed, held in order as a dispatcher
  // holds them, so "the id is valid at once" holds here too.
  const held = new Map<string, Array<() => void>>();
  const release = (id: string) => {
    const calls = held.get(id) ?? [];
    held.delete(id);
    for (const deliver of calls) {
      try {
        deliver();
      } catch (err) {
        // Reported as any failed call is, without taking the later ones with it.
        report(err);
      }
    }
  };
  const createHeld = (id: string): string => {
    held.set(id, []);
    // Posted now, this runs in the next async phase, before this tick's commit; posted from there, after it.
    world.post(() => world.post(() => release(id)));
    return id;
  };
  /** The contract's synchronous errors (see ClusterApi): what the calling game can know, thrown at once. */
  const requireId = (entityId: string) => {
    if (!isEntityId(entityId)) throw new TsworldError('INVALID_ARGUMENT', `not an entity id: ${JSON.stringify(entityId)}`);
  };
  const clientOf = (entityId: string, what: string): string => {
    const client = world.entity(entityId)?.client;
    if (client === undefined || client === null) throw new TsworldError('INVALID_STATE', `${what}: entity ${entityId} has no client on this game`);
    return client;
  };

  return {
    get gameId() {
      return world.gameId;
    },
    call(entityId, method, args = []) {
      requireId(entityId);
      const deliver = () => {
        const result = world.call(entityId, method, args);
        if (!result.ok) throw new TsworldError(result.code, result.message);
      };
      const waiting = held.get(entityId);
      if (waiting) waiting.push(deliver);
      else world.post(deliver);
    },
    createEntityAnywhere(typeName, attrs) {
      return createHeld(world.createEntity(typeName, { attrs }));
    },
    createEntityOnGame(gameId, typeName, attrs) {
      if (gameId !== world.gameId) throw new TsworldError('INVALID_ARGUMENT', `a lone world is game ${world.gameId} only, not ${gameId}`);
      return createHeld(world.createEntity(typeName, { attrs }));
    },
    loadEntityAnywhere(typeName, entityId) {
      requireId(entityId);
      // No storage behind a lone world: "load" makes the entity with that id unless it exists already;
      // calls made meanwhile are held until it does, as a dispatcher holds them.
      if (world.entity(entityId) !== undefined || loading.has(entityId)) return;
      loading.add(entityId);
      if (!held.has(entityId)) held.set(entityId, []);
      world.post(() => {
        try {
          world.createEntity(typeName, { id: entityId });
        } finally {
          // Posted from the async phase, this runs in the next tick's: after this tick's commit.
          world.post(() => {
            loading.delete(entityId);
            release(entityId);
          });
        }
      });
    },
    giveClientTo(from, to) {
      clientOf(from, 'giveClientTo');
      world.post(() => {
        const result = world.giveClientTo(from, to);
        if (!result.ok) throw new TsworldError(result.code, result.message);
      });
    },
    setClientFilterProp(entityId, key, value) {
      const client = clientOf(entityId, 'setClientFilterProp');
      let props = filterProps.get(client);
      if (props === undefined) filterProps.set(client, (props = new Map()));
      props.set(key, value);
    },
    clearClientFilterProps(entityId) {
      filterProps.delete(clientOf(entityId, 'clearClientFilterProps'));
    },
    kickClient(entityId) {
      clientOf(entityId, 'kickClient');
      // The gate would close the socket; here the entity hears of it as a disconnect, in the async phase.
      world.post(() => void world.setClient(entityId, null));
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
