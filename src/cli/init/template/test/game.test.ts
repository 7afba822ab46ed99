import { afterAll, describe, expect, it } from 'vitest';
import { createTestCluster, type TestCluster } from 'tsworld/testing';
import game from '../game/main.ts';

// The whole deployment (dispatcher, game, gate) in this process, on real time; clients over in-memory sockets.
describe('my game', () => {
  let cluster: TestCluster | undefined;
  afterAll(async () => cluster?.stop());

  it('echoes what the client sends and counts it', async () => {
    cluster = await createTestCluster({ game, clock: 'system' });
    const client = await cluster.connect();
    const player = await client.waitForPlayer();
    const echoed = new Promise<unknown[]>((resolve) => {
      client.on('call', (_entity, method, args) => method === 'onEcho' && resolve(args));
    });
    client.call(player.id, 'echo', 'hello');
    expect(await echoed).toEqual(['hello', 1]);
    expect(player.attrs.name).toBe(`player-${player.id.slice(-4)}`);
  });
});
