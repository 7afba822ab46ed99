import { Beacon } from './beacon.ts';
import { defineGame, type GameWorld } from './engine.ts';
import { Leaderboard } from './leaderboard.ts';
import { beaconId, MONSTERS_PER_GAME, randomSpot, worldSpaceId } from './layout.ts';
import { Monster } from './monster.ts';
import { Player } from './player.ts';
import { wander } from './systems/wander.ts';
import { World } from './world-space.ts';

/**
 * Runs on every game at deployment ready, and again on a game restored by a hot swap (the dispatcher
 * tells a reconnecting game the deployment is ready): a restored world already has its World, monsters
 * and beacon, so nothing is created twice.
 */
function populate(world: GameWorld): void {
  if (world.entity(beaconId(world.gameId)) === undefined) world.createEntity(Beacon, { id: beaconId(world.gameId) });
  if (worldSpaceId(world) !== undefined) return;
  const space = world.createSpace(World);
  for (let i = 0; i < MONSTERS_PER_GAME; i++) {
    world.createEntity(Monster, { space, position: randomSpot(), yaw: Math.random() * 2 * Math.PI });
  }
}

/**
 * Moving players (driven by their clients) and monsters (driven by the server) in one World per game, and
 * a sharded Leaderboard service that players feed with the points they earn.
 */
export default defineGame({
  entityTypes: [Player, Monster, Beacon],
  services: [Leaderboard],
  spaceTypes: [World],
  systems: { wander },
  bootEntity: 'Player',
  onGameReady: populate,
});
