// What a hot swap changes: the hot-swap test rewrites this file between two runs of the same world.
/** Sent back with every echo, so a client can tell which code answered. */
export const TAG = 'v1';
/** Monster speed in world units per second (see systems/wander.ts). */
export const MONSTER_SPEED = 8;
