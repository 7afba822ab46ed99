import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisEntityStorage } from '../../src/storage/index.ts';
import { deliversCrossGameRpcsInOrder, keepsTheAvatarAcrossLogout, login, registersLogsInChatsAndKeepsRoomsApart } from '../scenarios/chatroom.ts';
import { clientPool } from '../support/clients.ts';
import { repoRoot, startDeployment, type TestDeployment } from '../support/deployment.ts';
import { redisSkipReason, startRedisServer, type RedisServer } from '../support/redis-server.ts';

/**
 * The chatroom example on real processes with its entities and KV (accounts) on Redis: the same
 * scenarios as test/integration/chatroom.test.ts, then the deployment is stopped and a new one started
 * on the same Redis, where a player logs back in to the avatar and room it left.
 */
const entry = join(repoRoot, 'examples', 'chatroom', 'game', 'main.ts');
const skip = redisSkipReason();

describe.skipIf(skip !== undefined)(`chatroom on Redis storage (2 games, 2 gates)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let redis: RedisServer;
  let d: TestDeployment | undefined;
  const pool = clientPool(() => d!.wsUrls);
  const storage = () => ({ storage: { kind: 'redis', url: redis.url, prefix: 'chat:' } });

  beforeAll(async () => {
    redis = await startRedisServer();
    d = await startDeployment({ entry, sections: storage() });
  });
  afterAll(async () => {
    pool.closeAll();
    await d?.stop();
    await redis?.stop();
  });

  it('registers, logs in, chats across gates, and keeps rooms apart', () => registersLogsInChatsAndKeepsRoomsApart(pool.connect));
  it('delivers cross-game RPCs in the order they were sent', () => deliversCrossGameRpcsInOrder(pool.connect));
  it('keeps the avatar across logout and login on another gate', () => keepsTheAvatarAcrossLogout(pool.connect));

  it('keeps avatars and accounts across a stop and a fresh start of the whole deployment', async () => {
    const erin = await pool.connect(0);
    await login(erin, 'erin', 'secret-e', true);
    erin.call(erin.player!.id, 'sendChat', '/join garden');
    await erin.waitFor(() => erin.player!.attrs.chatroom === 'garden', 'room change');
    const avatarId = erin.player!.id;
    pool.closeAll();
    await d!.stop();
    d = undefined;

    const records = createRedisEntityStorage({ url: redis.url, prefix: 'chat:' });
    try {
      expect(await records.list('Avatar')).toContain(avatarId);
      expect(await records.load('Avatar', avatarId)).toMatchObject({ name: 'erin', chatroom: 'garden' });
    } finally {
      await records.close();
    }

    d = await startDeployment({ entry, sections: storage() });
    const again = await pool.connect(1);
    await login(again, 'erin', 'secret-e', false);
    expect(again.player!.id).toBe(avatarId);
    expect(again.player!.attrs).toMatchObject({ name: 'erin', chatroom: 'garden' });
  });
});
