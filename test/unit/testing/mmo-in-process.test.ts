import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { runBots, type BotFleet } from '../../../src/testing/bots/index.ts';
import { createTestCluster, type TestCluster } from '../../../src/testing/test-cluster.ts';
import type { WebSocketConstructor } from '../../../src/client/index.ts';
import { BOTS, botsPlayTheMmo } from '../../scenarios/mmo.ts';

const entry = join(import.meta.dirname, '..', '..', '..', 'examples', 'mmo', 'game', 'main.ts');

/**
 * The mmo scenario of test/integration/mmo.test.ts on real roles in this process. The bots move and
 * call on real timers, so this cluster runs on the system clock; the links and WebSockets are in memory.
 */
describe('mmo in one process (1 dispatcher, 2 games, 1 gate) under 50 bots', () => {
  let cluster: TestCluster;
  let fleet: BotFleet | undefined;
  afterAll(async () => {
    await fleet?.close();
    await cluster?.stop();
  });

  it('answers every echo and crossCall exactly once and in order, moves everyone, and drops no one', async () => {
    cluster = await createTestCluster({ game: entry, games: 2, gates: 1, clock: 'system' });
    const url = `mem://127.0.0.1:${cluster.gates[0].port}/ws`;
    fleet = await runBots({ url, count: BOTS, moveHz: 5, rpcHz: 4, seed: 7, WebSocket: cluster.clientNetwork.WebSocket as unknown as WebSocketConstructor });
    await botsPlayTheMmo(fleet);
  });
});
