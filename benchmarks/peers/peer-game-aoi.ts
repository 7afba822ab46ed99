import { AOI_RADIUS } from './peers-workload.ts';
import { peerGame } from './peer-game.ts';

/** The peers bench's game with an AOI sized for about 30 players in view (the area scales with N). */
export default peerGame(AOI_RADIUS);
