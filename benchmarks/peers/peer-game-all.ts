import { ALL_IN_VIEW_RADIUS } from './peers-workload.ts';
import { peerGame } from './peer-game.ts';

/** The peers bench's game where every player sees every other one. */
export default peerGame(ALL_IN_VIEW_RADIUS);
