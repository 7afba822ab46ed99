import type { AnyServiceType } from '../../core/service.ts';
import { createServiceCatalog, type ServiceCatalog } from '../../core/service-calls.ts';
import type { GameWorld } from '../../core/world-api.ts';
import type { Logger } from '../../observability/index.ts';
import { MSG, entityIdShard, type WireCodec } from '../../protocol/index.ts';
import type { Link } from '../../transport/index.ts';

/**
 * A game's side of services: it tells each dispatcher which shards fall in its shard (after every hello,
 * so a restarted dispatcher learns them again), and learns from them when every shard exists. Placement
 * is the dispatchers' (src/roles/dispatcher/services.ts).
 */
export interface GameServices {
  readonly catalog: ServiceCatalog;
  /** Service type names: a load of one that storage has no record of creates it fresh. */
  isService(typeName: string): boolean;
  /** SERVICE_DECLARE frames for dispatcher `index` (0-based) of `count`, on its new link. */
  declare(link: Link, index: number, count: number): void;
  /** SERVICES_READY from a dispatcher. */
  readyFrom(dispatcherId: number): void;
  whenReady(done: () => void): void;
  readonly ready: boolean;
}

export interface GameServicesDeps {
  codec: WireCodec;
  log: Logger;
  services: readonly AnyServiceType[];
  dispatcherCount: number;
  world(): GameWorld;
  /** The module's onServicesReady, run once in the game loop. */
  onReady(): void;
}

export function createGameServices(deps: GameServicesDeps): GameServices {
  const catalog = createServiceCatalog(deps.services);
  const names = new Set(catalog.all.map((s) => s.name));
  // Dispatchers (1-based ids) that own at least one shard: readiness needs a word from each.
  const owners = new Set<number>();
  for (const service of catalog.all) for (const id of service.shardIds) owners.add(entityIdShard(id, deps.dispatcherCount) + 1);
  const heard = new Set<number>();
  let waiting: (() => void)[] = [];
  let ready = owners.size === 0;
  const fire = () => {
    const run = waiting;
    waiting = [];
    for (const done of run) deps.world().post(done);
  };
  return {
    catalog,
    isService: (typeName) => names.has(typeName),
    declare(link, index, count) {
      for (const service of catalog.all) {
        const entityIds = service.shardIds.filter((id) => entityIdShard(id, count) === index);
        if (entityIds.length > 0) deps.codec.encodeTo(link, MSG.SERVICE_DECLARE, { name: service.name, persistent: service.persistent, entityIds });
      }
    },
    readyFrom(dispatcherId) {
      heard.add(dispatcherId);
      if (ready || [...owners].some((d) => !heard.has(d))) return;
      ready = true;
      deps.log.info({ services: catalog.all.map((s) => `${s.name}×${s.shards}`) }, 'services ready: every shard exists');
      deps.world().post(deps.onReady);
      fire();
    },
    whenReady(done) {
      waiting.push(done);
      if (ready) fire();
    },
    get ready() {
      return ready;
    },
  };
}
