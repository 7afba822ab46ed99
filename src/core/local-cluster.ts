import type { ClusterApi } from './cluster-api.ts';
import { compareFilterProp } from './filter-compare.ts';
import { requireClient, requireEntityId } from './cluster-checks.ts';
import { TsworldError } from './errors.ts';
import { localPlacement, type NilSpaceHandlers } from './local-placement.ts';
import { typeName, type LoadPlacement } from './placement-api.ts';
import type { AnyServiceType } from './service.ts';
import { createServiceCatalog, serviceCalls } from './service-calls.ts';
import type { GameWorld } from './world-api.ts';

/**
 * Calls to entities created or loaded through the cluster but not yet committed, held in order as a
 * dispatcher holds them, so "the id is valid at once" holds for a lone world too.
 */
function createHolds(world: GameWorld, report: (error: unknown) => void) {
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
  return {
    release,
    /** Starts holding calls to `id`; they are released when `release(id)` runs. */
    hold(id: string): void {
      if (!held.has(id)) held.set(id, []);
    },
    /** Holds calls to an entity created now, until after the commit that makes it. */
    created(id: string): string {
      held.set(id, []);
      // Posted now, this runs in the next async phase, before this tick's commit; posted from there, after it.
      world.post(() => world.post(() => release(id)));
      return id;
    },
    /** Delivers now (in the async phase), or after the entity exists. */
    deliver(id: string, deliver: () => void): void {
      const waiting = held.get(id);
      if (waiting) waiting.push(deliver);
      else world.post(deliver);
    },
  };
}

/** The KV of a lone world: a map, with answers in the async phase as a game process gives them. */
function localKv(world: GameWorld): ClusterApi['kv'] {
  const kv = new Map<string, string>();
  return {
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
  };
}

/** Filter props kept here (a gate keeps them in a deployment), and the filtered calls they select. */
function localFilters(world: GameWorld): Pick<ClusterApi, 'setClientFilterProp' | 'clearClientFilterProps' | 'callFilteredClients'> {
  const filterProps = new Map<string, Map<string, string>>();
  const clientOf = (entityId: string, what: string) => requireClient(world.entity(entityId)?.client, entityId, what);
  return {
    setClientFilterProp(entityId, key, value) {
      const client = clientOf(entityId, 'setClientFilterProp');
      let props = filterProps.get(client);
      if (props === undefined) filterProps.set(client, (props = new Map()));
      props.set(key, value);
    },
    clearClientFilterProps(entityId) {
      filterProps.delete(clientOf(entityId, 'clearClientFilterProps'));
    },
    callFilteredClients(key, op, value, method, args = []) {
      for (const [client, props] of filterProps) {
        const prop = props.get(key);
        const owner = world.entityOfClient(client);
        if (prop === undefined || owner === undefined || !compareFilterProp(prop, op, value)) continue;
        owner.callClient(method, args);
      }
    },
  };
}

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
  services: readonly AnyServiceType[] = [],
  nilSpace?: NilSpaceHandlers,
): ClusterApi {
  const holds = createHolds(world, report);
  // Ids requested but not yet created (creation waits for the commit phase): "one instance" holds.
  const loading = new Set<string>();
  const clientOf = (entityId: string, what: string) => requireClient(world.entity(entityId)?.client, entityId, what);
  // No storage behind a lone world: "load" makes the entity with that id unless it exists already.
  const load = (type: string, entityId: string, place: LoadPlacement | undefined) => {
    if (world.entity(entityId) !== undefined || loading.has(entityId)) return;
    loading.add(entityId);
    holds.hold(entityId);
    world.post(() => {
      try {
        world.createEntity(type, { id: entityId, space: place?.space, position: place?.position });
      } finally {
        // Posted from the async phase, this runs in the next tick's: after this tick's commit.
        world.post(() => {
          loading.delete(entityId);
          holds.release(entityId);
        });
      }
    });
  };
  const api: ClusterApi = {
    get gameId() {
      return world.gameId;
    },
    call(entityId, method, args = []) {
      requireEntityId(entityId);
      holds.deliver(entityId, () => {
        const result = world.call(entityId, method, args);
        if (!result.ok) throw new TsworldError(result.code, result.message);
      });
    },
    createEntityAnywhere: (typeName, attrs) => holds.created(world.createEntity(typeName, { attrs })),
    createEntityOnGame(gameId, type, attrs) {
      if (gameId !== world.gameId) throw new TsworldError('INVALID_ARGUMENT', `a lone world is game ${world.gameId} only, not ${gameId}`);
      return holds.created(world.createEntity(typeName(type), { attrs }));
    },
    loadEntityAnywhere(type, entityId) {
      requireEntityId(entityId);
      load(typeName(type), entityId, undefined);
    },
    ...localPlacement(world, (type, id, place) => load(type, id, place), nilSpace),
    giveClientTo(from, to) {
      clientOf(from, 'giveClientTo');
      world.post(() => {
        const result = world.giveClientTo(from, to);
        if (!result.ok) throw new TsworldError(result.code, result.message);
      });
    },
    kickClient(entityId) {
      clientOf(entityId, 'kickClient');
      // The gate would close the socket; here the entity hears of it as a disconnect, in the async phase.
      world.post(() => void world.setClient(entityId, null, 'kicked'));
    },
    ...localFilters(world),
    kv: localKv(world),
    ...localServices(world, services, (type, id) => api.loadEntityAnywhere(type, id), (id, method, args) => api.call(id, method, args)),
  };
  return api;
}

/**
 * A lone world is the whole cluster: every shard lives here, made with its id the first time a service
 * is called or awaited (a call made then is held until it exists, as any call to a new entity is).
 */
function localServices(
  world: GameWorld,
  services: readonly AnyServiceType[],
  load: (typeName: string, id: string) => void,
  call: (id: string, method: string, args: readonly unknown[]) => void,
) {
  let made = false;
  const ensure = () => {
    if (made) return;
    made = true;
    for (const service of services) for (const id of service.shardIds) load(service.name, id);
  };
  return serviceCalls(
    createServiceCatalog(services),
    (id, method, args) => {
      ensure();
      call(id, method, args);
    },
    (done) => {
      ensure();
      // After the loads' own two async phases: every shard exists when `done` runs.
      world.post(() => world.post(() => world.post(done)));
    },
  );
}
