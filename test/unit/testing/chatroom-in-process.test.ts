import { join } from 'node:path';
import { afterEach, describe, it } from 'vitest';
import { createTestCluster, type TestCluster } from '../../../src/testing/test-cluster.ts';
import { countsUsersOnlinePerRoom, deliversCrossGameRpcsInOrder, keepsTheAvatarAcrossLogout, registersLogsInChatsAndKeepsRoomsApart } from '../../scenarios/chatroom.ts';
import { recordClient } from '../../support/clients.ts';

const entry = join(import.meta.dirname, '..', '..', '..', 'examples', 'chatroom', 'game', 'main.ts');

/**
 * The chatroom scenarios of test/integration/chatroom.test.ts, on real dispatcher, game and gate roles
 * in this process: in-memory links and WebSockets, in-memory storage, a fake clock that moves only
 * while a client waits. No child process, no socket.
 */
describe.each([1, 2])('chatroom in one process (%i dispatcher(s), 2 games, 2 gates)', (dispatchers) => {
  let cluster: TestCluster;
  afterEach(async () => {
    await cluster?.stop();
  });
  const start = async () => {
    // As the real-process deployment's gates (test/support/deployment.ts) allow bursts of calls.
    cluster = await createTestCluster({ game: entry, dispatchers, games: 2, gates: 2, gateLimits: { maxMessagesPerSecond: 1000 } });
    return async (gate: number) => recordClient(await cluster.connect({ gate: gate + 1 }), { until: cluster.until });
  };

  it('registers, logs in, chats across gates, and keeps rooms apart', async () => registersLogsInChatsAndKeepsRoomsApart(await start()));
  it('delivers cross-game RPCs in the order they were sent', async () => deliversCrossGameRpcsInOrder(await start()));
  it('keeps the avatar across logout and login on another gate', async () => keepsTheAvatarAcrossLogout(await start()));
  it('counts the users online per room with its OnlineService', async () => countsUsersOnlinePerRoom(await start()));
});

/**
 * On the system clock, frames arrive between ticks as they do in a deployment, so what the game applies
 * on arrival and flushes in the same turn is exercised at real timing (a login, then an attribute
 * change right after the player entity reached its client).
 */
describe('chatroom in one process on the system clock', () => {
  let cluster: TestCluster;
  afterEach(async () => {
    await cluster?.stop();
  });
  it('keeps the avatar across logout and login on another gate', async () => {
    cluster = await createTestCluster({ game: entry, games: 2, gates: 2, clock: 'system', gateLimits: { maxMessagesPerSecond: 1000 } });
    await keepsTheAvatarAcrossLogout(async (gate) => recordClient(await cluster.connect({ gate: gate + 1 })));
  });
});
