/**
 * tsworld/testing: a whole deployment in one process for a game's own tests (real roles over an
 * in-memory network, a fake clock by default), and the fake clock itself.
 */
export { createTestCluster } from './test-cluster.ts';
export type { TestCluster, TestClusterOptions } from './test-cluster.ts';
export { createFakeClock, createFakeScheduler } from './fake-clock.ts';
export type { FakeClock, FakeScheduler } from './fake-clock.ts';
