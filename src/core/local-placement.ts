import type { ClusterApi } from './cluster-api.ts';
import { requireEntityId } from './cluster-checks.ts';
import { TsworldError } from './errors.ts';
import { typeName, type LoadPlacement, type PlacementCalls } from './placement-api.ts';
import type { GameWorld } from './world-api.ts';

/** Handlers of `callNilSpaces`, by method: defineGame's `nilSpace` (bivariant in their arguments). */
export type NilSpaceHandlers = Readonly<Record<string, (world: GameWorld, ...args: never[]) => void>>;

/** Runs one nil-space handler; an unknown method or a throw is the handler's game's error, reported there. */
export function runNilSpaceHandler(world: GameWorld, handlers: NilSpaceHandlers | undefined, method: string, args: readonly unknown[]): void {
  const handler = handlers?.[method] as ((world: GameWorld, ...args: unknown[]) => void) | undefined;
  if (handler === undefined) throw new TsworldError('UNKNOWN_METHOD', `callNilSpaces: this game has no nil-space handler ${method}`);
  handler(world, ...args);
}

function requireThisGame(world: GameWorld, gameId: number): void {
  if (gameId !== world.gameId) throw new TsworldError('INVALID_ARGUMENT', `a lone world is game ${world.gameId} only, not ${gameId}`);
}

/**
 * The placement calls of a lone world (createLocalCluster): it is the only game, and it has no storage,
 * so nothing is saved (entityExists answers false, listEntityIds nothing) and a load makes the entity
 * fresh, as loadEntityAnywhere does there. Answers come in the async phase, as in a game process.
 */
export function localPlacement(
  world: GameWorld,
  load: (typeName: string, entityId: string, place: LoadPlacement | undefined) => void,
  nilSpace: NilSpaceHandlers | undefined,
): PlacementCalls {
  return {
    loadEntityOnGame(gameId, type, entityId, place) {
      requireThisGame(world, gameId);
      requireEntityId(entityId);
      load(typeName(type), entityId, place);
    },
    createSpaceAnywhere: (type) => world.createSpace(typeName(type)),
    createSpaceOnGame(gameId, type) {
      requireThisGame(world, gameId);
      return world.createSpace(typeName(type));
    },
    callNilSpaces(method, args = []) {
      const copy = [...args];
      world.post(() => runNilSpaceHandler(world, nilSpace, method, copy));
    },
    onlineGames: () => [world.gameId],
    entityExists(_type, entityId, done) {
      requireEntityId(entityId);
      world.post(() => done(null, false));
    },
    listEntityIds(_type, done) {
      world.post(() => done(null, []));
    },
  };
}

export type { ClusterApi };
