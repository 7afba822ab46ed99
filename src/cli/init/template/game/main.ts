import { defineGame } from 'tsworld';
import { Player } from './player.ts';

/** The game module: the config's `entry`. Every new connection gets a Player. */
export default defineGame({
  entityTypes: [Player],
  bootEntity: 'Player',
});
