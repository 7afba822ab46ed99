import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLmdbEntityStorage,
  createLmdbKvStore,
  createMemoryEntityStorage,
  createMemoryKvStore,
} from '../../../src/storage/index.ts';
import type { EntityStorage, KvStore, StorageCapabilities } from '../../../src/storage/index.ts';

/**
 * The backends every storage contract runs over. `open(location)` opens a store at a location from
 * `newLocation()`; backends without a location (memory) ignore it, and the contract only reopens a
 * location when the backend's capabilities say that means something.
 */
export interface Backend<S> {
  readonly name: string;
  /** What the backend claims; the contract checks the opened store declares the same. */
  readonly capabilities: StorageCapabilities;
  open(location: string): S;
  /** Path of a script (run with tsx) that races getOrPut from another process, for shared backends. */
  readonly racerScript?: string;
}

const MEMORY: StorageCapabilities = { durable: false, sharedLocation: false };
const LMDB: StorageCapabilities = { durable: true, sharedLocation: true };

export const kvBackends: readonly Backend<KvStore>[] = [
  { name: 'memory', capabilities: MEMORY, open: () => createMemoryKvStore() },
  {
    name: 'lmdb',
    capabilities: LMDB,
    open: (path) => createLmdbKvStore({ path }),
    racerScript: new URL('./kv-racer.ts', import.meta.url).pathname,
  },
];

export const entityBackends: readonly Backend<EntityStorage>[] = [
  { name: 'memory', capabilities: MEMORY, open: () => createMemoryEntityStorage() },
  { name: 'lmdb', capabilities: LMDB, open: (path) => createLmdbEntityStorage({ path }) },
];

/** Temp directories for one test file; `removeAll` runs in afterEach. */
export function createTempDirs(): { make(): string; removeAll(): void } {
  const made: string[] = [];
  return {
    make() {
      const dir = mkdtempSync(join(tmpdir(), 'tsworld-storage-'));
      made.push(dir);
      return dir;
    },
    removeAll() {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Files under `dir` this process still holds open, read from /proc (Linux); undefined elsewhere. */
export function openFilesUnder(dir: string): string[] | undefined {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return undefined;
  }
  const held: string[] = [];
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) held.push(target);
    } catch {
      // The fd used by readdir itself is gone by the time we read it.
    }
  }
  return held;
}
