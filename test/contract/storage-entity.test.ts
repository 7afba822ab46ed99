import { afterEach, describe } from 'vitest';
import { createTempDirs, entityBackends } from './storage/backends.ts';
import { entityStorageContract } from './storage/entity-contract.ts';

const temp = createTempDirs();
afterEach(() => temp.removeAll());

// Redis runs the same contract in storage-redis.test.ts, against a redis-server of its own.
describe.each(entityBackends)('EntityStorage contract: $name', (backend) => entityStorageContract(backend, temp));
