/**
 * The workload of issue 13's peer comparison, shared by every system's server and bots: N bots in one
 * room/space, each moving at MOVE_HZ and calling echo at ECHO_HZ; the server ticks at TICK_HZ and syncs
 * positions at SYNC_HZ (Colyseus: patchRate 1000 / TICK_HZ ms, its documented setting).
 */
export const TICK_HZ = 20;
export const SYNC_HZ = 10;
export const MOVE_HZ = 10;
export const ECHO_HZ = 2;
/** Walk speed, units per second. */
export const SPEED = 20;
export const AOI_RADIUS = 50;
export const ALL_IN_VIEW_RADIUS = 100_000;
/** Players each one sees with AOI: the square grows with N to keep this density. */
export const AOI_IN_VIEW = 30;

/** Side of the square N players walk in: N·πr²/side² ≈ AOI_IN_VIEW. */
export function areaSide(n: number): number {
  return Math.ceil(Math.sqrt((n * Math.PI * AOI_RADIUS * AOI_RADIUS) / AOI_IN_VIEW));
}
