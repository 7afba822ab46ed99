import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  createLmdbEntityStorage,
  createLmdbKvStore,
  createMemoryEntityStorage,
  createMemoryKvStore,
  createRedisEntityStorage,
  createRedisKvStore,
} from '../../../src/storage/index.ts';
import type { EntityStorage, KvStore, StorageCapabilities, StorageSpec } from '../../../src/storage/index.ts';

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
  /** The location is a directory of files the store holds open (LMDB): close must release them. */
  readonly files: boolean;
  /** The config spec another process opens the location with, for the cross-process getOrPut race. */
  readonly racerSpec?: (location: string) => StorageSpec;
}

const MEMORY: StorageCapabilities = { durable: false, sharedLocation: false };
const LMDB: StorageCapabilities = { durable: true, sharedLocation: true };

const REDIS: StorageCapabilities = { durable: true, sharedLocation: true };

export const kvBackends: readonly Backend<KvStore>[] = [
  { name: 'memory', capabilities: MEMORY, files: false, open: () => createMemoryKvStore() },
  {
    name: 'lmdb',
    capabilities: LMDB,
    files: true,
    open: (path) => createLmdbKvStore({ path }),
    racerSpec: (path) => ({ kind: 'lmdb', path }),
  },
];

export const entityBackends: readonly Backend<EntityStorage>[] = [
  { name: 'memory', capabilities: MEMORY, files: false, open: () => createMemoryEntityStorage() },
  { name: 'lmdb', capabilities: LMDB, files: true, open: (path) => createLmdbEntityStorage({ path }) },
];

/**
 * On Redis a location is a key prefix on one server (a fresh temp directory's name, so each test gets
 * its own keys). `url()` is read at open time: the test file starts the server in beforeAll.
 */
function redisSpec(url: () => string, location: string): StorageSpec & { kind: 'redis' } {
  return { kind: 'redis', url: url(), prefix: `test:${basename(location)}:` };
}

export function redisKvBackend(url: () => string): Backend<KvStore> {
  return {
    name: 'redis',
    capabilities: REDIS,
    files: false,
    open: (location) => createRedisKvStore(redisSpec(url, location)),
    racerSpec: (location) => redisSpec(url, location),
  };
}

export function redisEntityBackend(url: () => string): Backend<EntityStorage> {
  return { name: 'redis', capabilities: REDIS, files: false, open: (location) => createRedisEntityStorage(redisSpec(url, location)) };
}

export interface TempDirs {
  make(): string;
  removeAll(): void;
}

/** Temp directories for one test file; `removeAll` runs in afterEach. */
export function createTempDirs(): TempDirs {
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
