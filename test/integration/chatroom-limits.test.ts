import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLY } from '../../examples/chatroom/game/account-auth.ts';
import { LIMITS } from '../../examples/chatroom/game/limits.ts';
import { repoRoot, startDeployment, type TestDeployment } from '../support/deployment.ts';
import { clientPool, type TestClient } from '../support/clients.ts';

const entry = join(repoRoot, 'examples', 'chatroom', 'game', 'main.ts');

const replies = (c: TestClient, method: string) => c.calls.filter((x) => x.method === method).map((x) => x.args as [boolean, string]);

describe('chatroom password limits on a real deployment (1 dispatcher, 2 games, 2 gates)', () => {
  let d: TestDeployment;
  const pool = clientPool(() => d.wsUrls);
  const connect = pool.connect;
  /** The nth reply (1-based) to `method`, once it has come. */
  const nthReply = async (c: TestClient, method: string, n: number) => {
    await c.waitFor(() => replies(c, method).length >= n, `${n} ${method} replies`);
    return replies(c, method)[n - 1];
  };

  beforeAll(async () => {
    d = await startDeployment({ entry });
  });
  afterAll(async () => {
    pool.closeAll();
    await d?.stop();
  });

  it('a connection flooding register gets "too many attempts" while another registers and logs in', async () => {
    const flooder = await connect(0);
    const account = await flooder.waitForPlayer();
    const FLOOD = 12;
    for (let i = 0; i < FLOOD; i++) flooder.call(account.id, 'register', `flood${i}`, 'secret-f');

    const honest = await connect(1);
    const own = await honest.waitForPlayer();
    honest.call(own.id, 'register', 'honest', 'secret-h');
    expect(await nthReply(honest, 'onRegister', 1)).toEqual([true, '']);
    honest.call(own.id, 'login', 'honest', 'secret-h');
    await honest.waitFor(() => honest.player?.typeName === 'Avatar', "honest's avatar");
    expect(honest.player!.attrs).toMatchObject({ name: 'honest' });

    await nthReply(flooder, 'onRegister', FLOOD);
    const got = replies(flooder, 'onRegister');
    // However the burst fell into ticks, the window lets at most `limit` attempts through.
    const refused = got.filter(([ok, why]) => !ok && why === REPLY.tooManyAttempts);
    expect(refused.length).toBeGreaterThanOrEqual(FLOOD - LIMITS.connectionAttempts.limit);
    expect(got.some(([ok]) => ok)).toBe(true);
    // Refused, not disconnected: the flood stayed under the gate's rate limit.
    expect(flooder.closed).toBeNull();
  });

  it('locks an account name after 10 failed logins from several connections on both gates', async () => {
    const owner = await connect(0);
    const ownAccount = await owner.waitForPlayer();
    owner.call(ownAccount.id, 'register', 'victim', 'right-password');
    expect(await nthReply(owner, 'onRegister', 1)).toEqual([true, '']);

    // Each guesser stays under its connection's limit; only the per-name count can stop them.
    const perConnection = LIMITS.connectionAttempts.limit - 1;
    let failures = 0;
    for (let g = 0; failures < LIMITS.accountFailures.limit; g++) {
      const guesser = await connect(g % 2);
      const acc = await guesser.waitForPlayer();
      for (let n = 1; n <= perConnection && failures < LIMITS.accountFailures.limit; n++, failures++) {
        guesser.call(acc.id, 'login', 'victim', `guess-${g}-${n}`);
        expect(await nthReply(guesser, 'onLogin', n)).toEqual([false, REPLY.wrongPassword]);
      }
    }
    // The right password too, from a fresh connection: the name is locked, not the connection.
    for (const gate of [0, 1]) {
      const late = await connect(gate);
      const acc = await late.waitForPlayer();
      late.call(acc.id, 'login', 'victim', 'right-password');
      expect(await nthReply(late, 'onLogin', 1)).toEqual([false, REPLY.lockedOut]);
    }
  });
});
