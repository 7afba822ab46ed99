import { TsworldError } from './errors.ts';

/** Something a world owns for its whole life and releases when its game stops (a worker pool, a socket). */
export interface WorldResource {
  close(): void | Promise<void>;
}

/**
 * A world's resources by name, each made on first use. Game code cannot keep such things in module
 * variables: an in-place reload re-imports every game file, so a module-level pool would be started
 * again by each generation and the old one never closed. Looked up by a string key instead, the new
 * generation's code finds the resource the old one made. Whoever makes the world closes them (the game
 * server at stop), since only it knows when the world is done.
 */
export interface WorldResources {
  /**
   * The resource under `key`, made by `create` on first use. One key, one type: the caller picks keys
   * that do not collide (a prefix per game or library). After `closeAll`, INVALID_STATE.
   */
  get<T extends WorldResource>(key: string, create: () => T): T;
  /** Closes every resource, newest first, and refuses new ones. Never rejects: answers the failures. */
  closeAll(): Promise<unknown[]>;
}

export function createWorldResources(): WorldResources {
  const made = new Map<string, WorldResource>();
  let closed = false;
  return {
    get<T extends WorldResource>(key: string, create: () => T): T {
      const found = made.get(key);
      if (found !== undefined) return found as T;
      if (closed) throw new TsworldError('INVALID_STATE', `the world's resources are closed; cannot make ${key}`);
      const resource = create();
      made.set(key, resource);
      return resource;
    },
    async closeAll() {
      closed = true;
      const failures: unknown[] = [];
      for (const resource of [...made.values()].reverse()) {
        try {
          await resource.close();
        } catch (err) {
          failures.push(err);
        }
      }
      made.clear();
      return failures;
    },
  };
}
