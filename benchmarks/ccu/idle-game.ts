import { defineEntityType } from '../../src/core/entity-type.ts';
import { defineGame } from '../../src/roles/game/game-module.ts';

/**
 * The ccu bench's game: each connection gets a boot entity that does nothing, in no space, and goes with
 * its client. What an idle client costs is then the engine's own per-client state.
 */
const Idle = defineEntityType({
  name: 'Idle',
  hooks: {
    onClientDisconnected(e) {
      e.destroy();
    },
  },
});

export default defineGame({ entityTypes: [Idle], bootEntity: 'Idle' });
