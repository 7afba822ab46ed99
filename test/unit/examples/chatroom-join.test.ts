import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestCluster, type TestCluster } from '../../../src/testing/test-cluster.ts';
import { login } from '../../scenarios/chatroom.ts';
import { recordClient } from '../../support/clients.ts';

const entry = join(import.meta.dirname, '..', '..', '..', 'examples', 'chatroom', 'game', 'main.ts');

describe('chatroom /join', () => {
  let cluster: TestCluster;
  afterEach(async () => cluster?.stop());

  it('answers a malformed /join with an error line and never broadcasts it as chat', async () => {
    cluster = await createTestCluster({ game: entry, games: 1, gates: 1 });
    const connect = async () => recordClient(await cluster.connect(), { until: cluster.until });
    const ann = await connect();
    const ben = await connect();
    await login(ann, 'ann', 'secret-ann', true);
    await login(ben, 'ben', 'secret-ben', true);
    for (const line of ['/join bad room!', '/join', '/join   ', '/join x'.padEnd(40, 'y')]) {
      ann.call(ann.player!.id, 'sendChat', line);
      const reply = await ann.waitCall('onSystem', (args) => String(args[0]).startsWith('bad room name'));
      expect(reply.args[0]).toContain('1 to 32 letters');
      ann.calls.splice(0);
    }
    ann.call(ann.player!.id, 'sendChat', '/join games');
    await ann.waitCall('onSystem', (args) => args[0] === 'you joined #games');
    // A chat line after the bad ones is the first thing ben sees from ann: none of them went out as chat.
    ann.call(ann.player!.id, 'sendChat', 'hello');
    await ann.waitCall('onChat', (args) => args[2] === 'hello');
    ben.call(ben.player!.id, 'sendChat', '/join games');
    await ben.waitCall('onSystem', (args) => args[0] === 'you joined #games');
    expect(ben.calls.filter((c) => c.method === 'onChat' && String(c.args[2]).startsWith('/join'))).toEqual([]);
  });
});
