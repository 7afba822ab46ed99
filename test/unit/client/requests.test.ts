import { afterEach, describe, expect, it } from 'vitest';
import { RequestError, connectClient, type TsworldClient, type WebSocketConstructor } from '../../../src/client/index.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { t } from '../../../src/core/value-types.ts';
import { defineGame } from '../../../src/roles/game/game-module.ts';
import { createTestCluster, type TestCluster } from '../../../src/testing/index.ts';

/** A boot entity whose RPCs answer in every way a request handler can. */
const Desk = defineEntityType({
  name: 'Desk',
  rpc: {
    add: { expose: 'ownClient', args: [t.int, t.int], fn: (_e, a, b) => a + b },
    shout: { expose: 'ownClient', args: [t.string], fn: (_e, s) => new Promise<string>((resolve) => setTimeout(() => resolve(s.toUpperCase()), 20)) },
    nothing: { expose: 'ownClient', args: [], fn: () => undefined },
    reject: { expose: 'ownClient', args: [], fn: () => Promise.reject(new Error('refused on purpose')) },
    throws: { expose: 'ownClient', args: [], fn: () => { throw new Error('thrown on purpose'); } },
    never: { expose: 'ownClient', args: [], fn: () => new Promise(() => undefined) },
    unsendable: { expose: 'ownClient', args: [], fn: () => ({ big: 2n ** 70n }) },
    internal: { expose: 'server', args: [], fn: () => 'secret' },
    echoMap: { expose: 'ownClient', args: [t.map(t.int)], fn: (_e, m) => m },
  },
});
const game = defineGame({ entityTypes: [Desk], bootEntity: 'Desk' });

async function rejection(p: Promise<unknown>): Promise<RequestError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(RequestError);
  return err as RequestError;
}

describe('request/response through gate, dispatcher and game', () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  async function connect(limits: { maxPendingRequests?: number; requestTimeoutMs?: number } = {}): Promise<TsworldClient<typeof game>> {
    cluster = await createTestCluster({ game, games: 1, gates: 1, clock: 'system', gateLimits: limits });
    const url = `mem://127.0.0.1:${cluster.gates[0].port}/ws`;
    return connectClient<typeof game>({ url, WebSocket: cluster.clientNetwork.WebSocket as unknown as WebSocketConstructor });
  }

  it('answers with the return value, sync or a Promise, and fire-and-forget call still works', async () => {
    const client = await connect();
    const me = client.entity<typeof Desk>((await client.waitForPlayer()).id);
    expect(await me.request.add(2, 40)).toBe(42);
    expect(await me.request.shout('hi', { timeoutMs: 5000 })).toBe('HI');
    expect(await me.request.nothing()).toBeNull();
    expect(await client.request(me.id, 'echoMap', [{ timeoutMs: 3 }])).toEqual({ timeoutMs: 3 });
    // Many at once: each answer goes to its own request id.
    const sums = await Promise.all(Array.from({ length: 30 }, (_, i) => me.request.add(i, 1000)));
    expect(sums).toEqual(Array.from({ length: 30 }, (_, i) => i + 1000));
    me.call.add(1, 2);
    expect(await me.request.add(1, 1)).toBe(2);
    client.close();
  });

  it('rejects with the server code: unknown method, not exposed, bad arguments, handler failed, unsendable value', async () => {
    const client = await connect();
    const id = (await client.waitForPlayer()).id;
    expect((await rejection(client.request(id, 'nope'))).code).toBe('UNKNOWN_METHOD');
    expect((await rejection(client.request(id, 'internal'))).code).toBe('PERMISSION_DENIED');
    expect((await rejection(client.request(id, 'add', ['x', 1]))).code).toBe('INVALID_ARGUMENT');
    expect((await rejection(client.request(id, 'reject'))).code).toBe('HANDLER_FAILED');
    expect((await rejection(client.request(id, 'throws'))).code).toBe('HANDLER_FAILED');
    expect((await rejection(client.request(id, 'unsendable'))).code).toBe('INTERNAL');
    expect((await rejection(client.request('AAAAAAAAAAAAAAAA', 'add', [1, 2]))).code).toBe('UNKNOWN_ENTITY');
    // The connection is still good.
    expect(await client.request(id, 'add', [1, 2])).toBe(3);
    client.close();
  });

  it('the gate bounds open requests per client (TOO_MANY_REQUESTS) and answers TIMEOUT for one never answered', async () => {
    const client = await connect({ maxPendingRequests: 2, requestTimeoutMs: 300 });
    const me = client.entity<typeof Desk>((await client.waitForPlayer()).id);
    const slow = [me.request.never({ timeoutMs: 30_000 }), me.request.never({ timeoutMs: 30_000 })];
    const third = await rejection(me.request.add(1, 2));
    expect(third.code).toBe('TOO_MANY_REQUESTS');
    const timedOut = await Promise.all(slow.map(rejection));
    expect(timedOut.map((e) => e.code)).toEqual(['TIMEOUT', 'TIMEOUT']);
    expect(timedOut[0]!.message).toMatch(/no answer within 300 ms/);
    // Answered and forgotten: the budget is free again.
    expect(await me.request.add(1, 2)).toBe(3);
    const text = await cluster!.metrics.gates[0]!.text();
    expect(text).toMatch(/tsworld_refused_total\{[^}]*limit="pending-requests"[^}]*\} 1/);
    expect(text).toMatch(/tsworld_refused_total\{[^}]*limit="request-timeout"[^}]*\} 2/);
    client.close();
  });

  it('a client-side timeout rejects with TIMEOUT; a close rejects what is open with DISCONNECTED', async () => {
    const client = await connect();
    const me = client.entity<typeof Desk>((await client.waitForPlayer()).id);
    expect((await rejection(me.request.never({ timeoutMs: 50 }))).code).toBe('TIMEOUT');
    const open = me.request.never();
    client.close();
    const err = await rejection(open);
    expect(err.code).toBe('DISCONNECTED');
    expect((await rejection(me.request.add(1, 2))).code).toBe('NOT_CONNECTED');
  });
});
