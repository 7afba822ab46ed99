import type { AnyEntity } from './entity.ts';
import type { EntityId } from './entity-id.ts';
import { TsworldError } from './errors.ts';
import type { GameWorld } from './world-api.ts';

export interface SpaceAoiConfig {
  readonly enabled: boolean;
  /** Default radius for members without a type or component radius. */
  readonly radius: number;
}

export interface SpaceHooks {
  onSpaceInit?(space: Space, world: GameWorld): void;
  onSpaceCreated?(space: Space, world: GameWorld): void;
  onSpaceDestroy?(space: Space, world: GameWorld): void;
  onEntityEnterSpace?(space: Space, entity: AnyEntity, world: GameWorld): void;
  onEntityLeaveSpace?(space: Space, entity: AnyEntity, world: GameWorld): void;
}

export interface SpaceType {
  readonly kind: 'spaceType';
  /** GoWorld's space kind; here the name of the space type. */
  readonly name: string;
  readonly aoi: SpaceAoiConfig;
  readonly hooks: SpaceHooks;
}

/** A space as game code sees it. Spaces never migrate; the nil space stands for "in no space". */
export interface Space {
  readonly id: EntityId;
  readonly kind: string;
  readonly isNil: boolean;
  readonly aoi: SpaceAoiConfig;
  readonly destroyed: boolean;
  readonly size: number;
  members(): AnyEntity[];
  /**
   * Each member's id and eid, without making entity handles: after a hot swap most entities have none
   * until something asks, and a per-sync walk over the space should not make them all.
   */
  forEachMember(fn: (id: EntityId, eid: number) => void): void;
}

export const NIL_SPACE_KIND = '__nil__';

export function defineSpaceType(decl: { name: string; aoi?: false | { radius: number }; hooks?: SpaceHooks }): SpaceType {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(decl.name)) {
    throw new TsworldError('INVALID_DECLARATION', `space type name ${JSON.stringify(decl.name)} is not an identifier`);
  }
  return Object.freeze({
    kind: 'spaceType',
    name: decl.name,
    aoi: resolveAoiConfig(decl.name, decl.aoi),
    hooks: Object.freeze({ ...decl.hooks }),
  });
}

export function resolveAoiConfig(name: string, aoi: false | { radius: number } | undefined): SpaceAoiConfig {
  if (aoi === undefined || aoi === false) return Object.freeze({ enabled: false, radius: 0 });
  if (!(typeof aoi.radius === 'number' && aoi.radius >= 0 && Number.isFinite(aoi.radius))) {
    throw new TsworldError('INVALID_DECLARATION', `space ${name}: aoi radius must be a finite non-negative number`);
  }
  return Object.freeze({ enabled: true, radius: aoi.radius });
}

/** The nil space's id is fixed per game, so other processes can address "game N" without asking. */
export function nilSpaceId(gameId: number): EntityId {
  if (!Number.isInteger(gameId) || gameId < 0 || gameId > 0xffff) {
    throw new TsworldError('INVALID_ARGUMENT', `game id ${gameId} must be an integer in 0..65535`);
  }
  const bytes = Buffer.alloc(12);
  bytes.write('NilSpace', 0, 'latin1');
  bytes.writeUInt16BE(gameId, 10);
  return bytes.toString('base64url');
}

/** The game whose nil space `spaceId` is, or undefined for any other id. */
export function gameOfNilSpace(spaceId: EntityId): number | undefined {
  const bytes = Buffer.from(spaceId, 'base64url');
  if (bytes.length !== 12 || bytes.toString('latin1', 0, 8) !== 'NilSpace' || bytes[8] !== 0 || bytes[9] !== 0) return undefined;
  return bytes.readUInt16BE(10);
}
