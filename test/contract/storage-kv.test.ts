import { afterEach, describe } from 'vitest';
import { createTempDirs, kvBackends } from './storage/backends.ts';
import { kvStoreContract } from './storage/kv-contract.ts';

const temp = createTempDirs();
afterEach(() => temp.removeAll());

// Redis runs the same contract in storage-redis.test.ts, against a redis-server of its own.
describe.each(kvBackends)('KvStore contract: $name', (backend) => kvStoreContract(backend, temp));
