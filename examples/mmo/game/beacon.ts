import { defineEntityType, t } from './engine.ts';

/**
 * One per game, at a fixed id (see layout.ts). Players on the other game ping it, and it answers
 * through the cluster, so every crossCall makes a round trip game → game → game.
 */
export const Beacon = defineEntityType({
  name: 'Beacon',
  aoi: false,
  rpc: {
    ping: {
      expose: 'server',
      args: [t.string, t.int],
      fn(e, playerId, seq) {
        e.world.cluster.call(playerId, 'crossReply', [seq, e.world.gameId]);
      },
    },
  },
});
