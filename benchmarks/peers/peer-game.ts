import { defineEntityType } from '../../src/core/entity-type.ts';
import { defineSpaceType } from '../../src/core/space.ts';
import { t } from '../../src/core/value-types.ts';
import type { GameWorld } from '../../src/core/world-api.ts';
import { defineGame, type GameModule } from '../../src/roles/game/game-module.ts';
import { mulberry32 } from '../../src/testing/prng.ts';

/** Env var the peers bench sets for `tsworld start`: the side of the square the bots walk in. */
export const AREA_ENV = 'PEERS_BENCH_AREA';

/**
 * The peer benchmark's game: one Arena, and a boot entity per connection that the client moves
 * (clientSyncing) and that answers `echo(seq)` with `onEcho(seq)`. Players start at a random spot of
 * the bench's square so the AOI density is the planned one from the first tick. `radius` decides who sees
 * whom: the AOI entry uses a radius sized for ~30 in view, the all-in-view entry one that covers the area.
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
    clientRpc: { onEcho: [t.int] },
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
    entityTypes: [Player],
    spaceTypes: [Arena],
    bootEntity: 'Player',
    onGameReady(world) {
      if (arenaOf(world) === undefined) world.createSpace(Arena);
    },
  });
}
