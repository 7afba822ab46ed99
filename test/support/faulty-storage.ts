import { TsworldError } from '../../src/core/errors.ts';
import type { EntityStorage, KvStore } from '../../src/storage/index.ts';

/**
 * Real stores with a switch: while `down`, every write (save, claim, put, getOrPut) fails as a full disk
 * does (STORAGE_FAILURE with ENOSPC), and reads still work. For in-process tests of what a game does
 * about failing writes; the real faults (a full tmpfs, a killed redis-server) are in the e2e and
 * contract tests.
 */
export interface FaultSwitch {
  down: boolean;
  /** Writes refused so far. */
  refused: number;
}

const fail = (sw: FaultSwitch, what: string): Promise<never> => {
  sw.refused++;
  return Promise.reject(new TsworldError('STORAGE_FAILURE', `LMDB ${what} failed: ENOSPC: No space left on device`));
};

export function faultyEntityStorage(inner: EntityStorage, sw: FaultSwitch): EntityStorage {
  return {
    capabilities: inner.capabilities,
    save: (type, id, data, options) => (sw.down ? fail(sw, 'save') : inner.save(type, id, data, options)),
    claim: (type, id) => (sw.down ? fail(sw, 'claim') : inner.claim(type, id)),
    load: (type, id) => inner.load(type, id),
    exists: (type, id) => inner.exists(type, id),
    list: (type) => inner.list(type),
    close: () => inner.close(),
  };
}

export function faultyKvStore(inner: KvStore, sw: FaultSwitch): KvStore {
  return {
    capabilities: inner.capabilities,
    get: (key) => inner.get(key),
    put: (key, value) => (sw.down ? fail(sw, 'put') : inner.put(key, value)),
    getOrPut: (key, value) => (sw.down ? fail(sw, 'getOrPut') : inner.getOrPut(key, value)),
    close: () => inner.close(),
  };
}
