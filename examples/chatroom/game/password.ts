import type { GameWorld } from 'tsworld';
import { LIMITS } from './limits.ts';
import { createPasswordPool, type PasswordPool } from './password-pool.ts';

export const PASSWORD_POOL_KEY = 'chatroom/password-pool';

/**
 * The game's password pool: scrypt with a per-account salt, records `salt$key` (hash-worker.mjs), on
 * worker threads of its own. Owned by the world rather than by this module: an in-place reload
 * re-imports this file, and the key makes the new code find the pool the old code started instead of
 * starting another; the game server closes it at stop. A reload therefore keeps the running pool:
 * changes to password-pool.ts or hash-worker.mjs take effect with a process swap.
 */
export function passwordPool(world: GameWorld): PasswordPool {
  return world.resource(PASSWORD_POOL_KEY, () => createPasswordPool({ workers: LIMITS.hashWorkers, maxQueue: LIMITS.hashQueue }));
}
