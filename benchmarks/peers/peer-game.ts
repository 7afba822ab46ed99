import { defineEntityType } from '../../src/core/entity-type.ts';
import { defineSpaceType } from '../../src/core/space.ts';
import { t } from '../../src/core/value-types.ts';
import type { GameWorld } from '../../src/core/world-api.ts';
import { defineGame, type GameModule } from '../../src/roles/game/game-module.ts';
import { mulberry32 } from '../../src/testing/prng.ts';

/** Env var the peers bench sets for `tsworld start`: the side of the square the bots walk in. */
export const AREA_ENV = 'PEERS_BENCH_AREA';
/** Env var naming how many games the deployment runs; a player's crossCall goes to the next game's beacon. */
export const GAMES_ENV = 'PEERS_BENCH_GAMES';

/** Fixed ids (16 characters, like generated ones), so a player addresses another game's beacon without a lookup. */
export function beaconId(gameId: number): string {
  return `PeersBeacon-g${String(gameId).padStart(3, '0')}`;
}

/** The next game in the ring 1..games: with two games, the other one. */
function nextGame(gameId: number): number {
  return (gameId % Number(process.env[GAMES_ENV] ?? 1)) + 1;
}

/**
 * One per game: answers a ping from a player on another game with a call back to that player, so a
 * crossCall is client → game A → game B → game A → client, each game-to-game leg through the dispatcher.
 */
const Beacon = defineEntityType({
  name: 'Beacon',
  aoi: false,
  rpc: {
    ping: {
      expose: 'server',
      args: [t.string, t.int],
      fn(e, playerId, seq) {
        e.world.cluster.call(playerId, 'crossReply', [seq]);
      },
    },
  },
});

/**
 * The peer benchmark's game: one Arena, and a boot entity per connection that the client moves
 * (clientSyncing) and that answers `echo(seq)` with `onEcho(seq)`. Players start at a random spot of
 * the bench's square so the AOI density is the planned one from the first tick. `radius` decides who sees
 * whom: the AOI entry uses a radius sized for ~30 in view, the all-in-view entry one that covers the area.
 * Every game also has a Beacon, and `crossCall(seq)` measures a call to another game (answered by `onCross(seq)`).
 */
export function peerGame(radius: number): GameModule {
  const Arena = defineSpaceType({ name: 'Arena', aoi: { radius } });
  const arenaOf = (world: GameWorld) => world.spaces().find((s) => s.kind === 'Arena' && !s.destroyed)?.id;
  // Each game process has its own; it only spreads start spots, so sharing a sequence is harmless.
  const rand = mulberry32(Number(process.pid));
  const Player = defineEntityType({
    name: 'Player',
    rpc: {
      echo: {
        expose: 'ownClient',
        args: [t.int],
        fn(e, seq) {
          e.callClient('onEcho', [seq]);
        },
      },
      crossCall: {
        expose: 'ownClient',
        args: [t.int],
        fn(e, seq) {
          e.world.cluster.call(beaconId(nextGame(e.world.gameId)), 'ping', [e.id, seq]);
        },
      },
      crossReply: {
        expose: 'server',
        args: [t.int],
        fn(e, seq) {
          e.callClient('onCross', [seq]);
        },
      },
      enter: {
        expose: 'server',
        args: [],
        fn(e) {
          const space = arenaOf(e.world);
          if (space === undefined) return void e.timers.add(100, 'enter');
          e.enterSpace(space);
        },
      },
    },
    clientRpc: { onEcho: [t.int], onCross: [t.int] },
    hooks: {
      onCreated(e) {
        const side = Number(process.env[AREA_ENV] ?? 500);
        e.setPosition(rand() * side, 0, rand() * side);
        e.setClientSyncing(true);
        e.timers.add(0, 'enter');
      },
      onClientDisconnected(e) {
        e.destroy();
      },
    },
  });
  return defineGame({
    entityTypes: [Player, Beacon],
    spaceTypes: [Arena],
    bootEntity: 'Player',
    onGameReady(world) {
      if (arenaOf(world) === undefined) world.createSpace(Arena);
      // Not re-created after a hot swap, which restores it.
      if (world.entity(beaconId(world.gameId)) === undefined) world.createEntity(Beacon, { id: beaconId(world.gameId) });
    },
  });
}
