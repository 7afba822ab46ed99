import type { Vec3 } from './entity.ts';
import type { AnyEntityType } from './entity-type.ts';
import type { EntityId } from './entity-id.ts';
import type { SpaceType } from './space.ts';

/** An entity type, by its declaration or its name. */
export type EntityTypeRef = AnyEntityType | string;
/** A space type, by its declaration or its name. */
export type SpaceTypeRef = SpaceType | string;

export function typeName(type: EntityTypeRef | SpaceTypeRef): string {
  return typeof type === 'string' ? type : type.name;
}

/** Where an entity loaded on a game is put (GoWorld's Space.LoadEntity): a space of that game, at a position. */
export interface LoadPlacement {
  space?: EntityId;
  position?: Vec3;
}

/**
 * GoWorld's placement calls and storage queries, part of `world.cluster` (ClusterApi). Placement is
 * decided by the dispatcher of the new id, so one decision is made per id; loads are single instance
 * cluster-wide, as `loadEntityAnywhere`.
 */
export interface PlacementCalls {
  /**
   * Loads a persistent entity onto game `gameId` (GoWorld's LoadEntityOnGame), unless it exists somewhere
   * already; `place` puts it in a space of that game. `world.loadEntity` is this on the calling game.
   */
  loadEntityOnGame(gameId: number, type: EntityTypeRef, entityId: EntityId, place?: LoadPlacement): void;
  /** Creates a space on the least loaded game (GoWorld's CreateSpaceAnywhere); its id is valid at once. */
  createSpaceAnywhere(type: SpaceTypeRef): EntityId;
  /** Creates a space on game `gameId` (GoWorld's CreateSpaceOnGame); its id is valid at once. */
  createSpaceOnGame(gameId: number, type: SpaceTypeRef): EntityId;
  /** Runs `method` of the nil-space handlers (defineGame `nilSpace`) on every game, this one included. */
  callNilSpaces(method: string, args?: readonly unknown[]): void;
  /** The games online now, as the dispatchers last said (GoWorld's GetOnlineGames), ascending. */
  onlineGames(): number[];
  /** Whether storage holds a saved entity of that type and id; answered in the game loop. */
  entityExists(type: EntityTypeRef, entityId: EntityId, done: (err: Error | null, exists: boolean) => void): void;
  /** The ids of every saved entity of the type (GoWorld's ListEntityIDs); answered in the game loop. */
  listEntityIds(type: EntityTypeRef, done: (err: Error | null, ids: EntityId[]) => void): void;
}
