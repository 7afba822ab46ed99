import type { GameWorld } from './engine.ts';

/** The World is a square on the x/z plane (AOI works on x and z): [0, WORLD_SIZE)². */
export const WORLD_SIZE = 500;
export const AOI_RADIUS = 50;
export const MONSTERS_PER_GAME = 300;
/** The example runs two games; each player's crossCall goes to the beacon of the other one. */
export const GAME_COUNT = 2;

/**
 * Beacons have fixed ids, one per game, so a player can address the other game's beacon without a
 * lookup (a KV lookup would be async and could reorder the calls it carries). The 'MmoB' prefix decodes
 * to a 1996 timestamp, so it cannot collide with generated ids.
 */
export function beaconId(gameId: number): string {
  return `MmoBeacon-g${String(gameId).padStart(5, '0')}`;
}

/** The next game in the ring 1..GAME_COUNT: with two games, the other one. */
export function peerGame(gameId: number): number {
  return (gameId % GAME_COUNT) + 1;
}

/** The id of this game's World space, if it exists yet. */
export function worldSpaceId(world: GameWorld): string | undefined {
  return world.spaces().find((s) => s.kind === 'World' && !s.destroyed)?.id;
}

/**
 * The portal: a square in the middle of each game's World. A player who stands in it is moved to the
 * other game's World (a migration: the client keeps its connection), then ignores it for PORTAL_COOLDOWN_MS.
 */
export const PORTAL = { minX: 225, maxX: 275, minZ: 225, maxZ: 275 } as const;
export const PORTAL_COOLDOWN_MS = 2000;

export function inPortal(p: { x: number; z: number }): boolean {
  return p.x >= PORTAL.minX && p.x <= PORTAL.maxX && p.z >= PORTAL.minZ && p.z <= PORTAL.maxZ;
}

export function randomSpot(): { x: number; y: number; z: number } {
  return { x: Math.random() * WORLD_SIZE, y: 0, z: Math.random() * WORLD_SIZE };
}
