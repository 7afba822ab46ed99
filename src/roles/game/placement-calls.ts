import { requireEntityId } from '../../core/cluster-checks.ts';
import type { EntityId, EntityIdGenerator } from '../../core/entity-id.ts';
import { TsworldError } from '../../core/errors.ts';
import { runNilSpaceHandler, type NilSpaceHandlers } from '../../core/local-placement.ts';
import { typeName, type PlacementCalls } from '../../core/placement-api.ts';
import type { GameWorld } from '../../core/world-api.ts';
import { MSG, type WireCodec } from '../../protocol/index.ts';
import { checkField } from '../../protocol/fields.ts';
import type { EntityStorage } from '../../storage/index.ts';
import type { Link } from '../../transport/index.ts';
import type { Inflight } from './inflight.ts';

export interface PlacementDeps {
  codec: WireCodec;
  ids: EntityIdGenerator;
  storage: EntityStorage;
  inflight: Inflight;
  world(): GameWorld;
  /** The dispatcher of an id's shard (throws TRANSPORT_FAILURE when it is not connected). */
  shardLink(entityId: EntityId): Link;
  /** Any connected dispatcher (a broadcast reaches every game through any one). */
  anyLink(): Link;
  nilSpace: NilSpaceHandlers | undefined;
  /** The games each dispatcher last said are online (ONLINE_GAMES), by dispatcher. */
  onlineGames(): number[];
  /** Where an error of a handler run here goes (the game's code-error log). */
  report(error: unknown, where: string): void;
}

function requireName(what: string, name: string): void {
  const bad = checkField('name', name);
  if (bad !== null) throw new TsworldError('INVALID_ARGUMENT', `${what} ${JSON.stringify(name)}: ${bad}`);
}

function requireGameId(gameId: number): void {
  if (!Number.isInteger(gameId) || gameId < 1 || gameId > 0xffff) throw new TsworldError('INVALID_ARGUMENT', `game id ${gameId} must be an integer in 1..65535`);
}

/** Storage answers re-enter the game loop through world.post, tracked so a hot-swap freeze waits for them. */
function settle<T>(deps: PlacementDeps, promise: Promise<T>, done: (err: Error | null, value: T | undefined) => void): void {
  deps.inflight.track(promise).then(
    (value) => deps.world().post(() => done(null, value)),
    (err: unknown) => deps.world().post(() => done(err instanceof Error ? err : new Error(String(err)), undefined)),
  );
}

/**
 * The placement calls of a game process (ClusterApi, GoWorld's CreateSpace*, LoadEntityOnGame,
 * CallNilSpaces, GetOnlineGames, and storage's exists and list). Spaces and loads go through the
 * dispatcher of the new id, which decides where (CREATE_SPACE, LOAD_ENTITY_ON_GAME).
 */
export function placementCalls(deps: PlacementDeps): PlacementCalls {
  const { codec } = deps;
  const createSpace = (gameId: number, type: Parameters<PlacementCalls['createSpaceAnywhere']>[0]) => {
    const name = typeName(type);
    requireName('space type', name);
    const spaceId = deps.ids.next();
    codec.encodeTo(deps.shardLink(spaceId), MSG.CREATE_SPACE, { entityId: spaceId, typeName: name, gameId });
    return spaceId;
  };
  return {
    loadEntityOnGame(gameId, type, entityId, place) {
      requireGameId(gameId);
      requireEntityId(entityId);
      const name = typeName(type);
      requireName('entity type', name);
      if (place?.space !== undefined) requireEntityId(place.space);
      const p = place?.position ?? { x: 0, y: 0, z: 0 };
      codec.encodeTo(deps.shardLink(entityId), MSG.LOAD_ENTITY_ON_GAME, {
        entityId, typeName: name, gameId, spaceId: place?.space ?? '', hasPosition: place?.position !== undefined, x: p.x, y: p.y, z: p.z,
      });
    },
    createSpaceAnywhere: (type) => createSpace(0, type),
    createSpaceOnGame(gameId, type) {
      requireGameId(gameId);
      return createSpace(gameId, type);
    },
    callNilSpaces(method, args = []) {
      requireName('nil-space method', method);
      const copy = [...args];
      codec.encodeTo(deps.anyLink(), MSG.CALL_NIL_SPACES, { method, args: copy });
      // The dispatcher sends it to every other game; this one runs its own in the next async phase.
      deps.world().post(() => {
        try {
          runNilSpaceHandler(deps.world(), deps.nilSpace, method, copy);
        } catch (err) {
          deps.report(err, `nilSpace.${method}`);
        }
      });
    },
    onlineGames: () => deps.onlineGames(),
    entityExists(type, entityId, done) {
      requireEntityId(entityId);
      settle(deps, deps.storage.exists(typeName(type), entityId), (err, exists) => done(err, exists === true));
    },
    listEntityIds(type, done) {
      settle(deps, deps.storage.list(typeName(type)), (err, ids) => done(err, ids ?? []));
    },
  };
}
