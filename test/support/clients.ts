import WebSocket from 'ws';
import { createWaiter } from './waiter.ts';
import { connectClient, type ClientEntity, type TsworldClient } from '../../src/client/index.ts';

export interface RecordedCall {
  entity: ClientEntity;
  method: string;
  args: unknown[];
}

/** A Node client that records every server call, with a way to wait for one without sleeping. */
export interface TestClient extends TsworldClient {
  calls: RecordedCall[];
  errors: { code: number; message: string }[];
  closed: { code: number; reason: string } | null;
  /** Resolves with the first recorded call (past or future) matching; rejects after `timeoutMs`. */
  waitCall(method: string, match?: (args: unknown[]) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs?: number): Promise<T>;
}

/** `WebSocket` replaces ws's constructor, e.g. with a subclass that connects from another local address. */
export async function testClient(url: string, options: { WebSocket?: new (url: string) => WebSocket } = {}): Promise<TestClient> {
  const client = await connectClient({ url, WebSocket: (options.WebSocket ?? WebSocket) as never, heartbeatMs: 1000 });
  return recordClient(client);
}

/** How a wait is driven: by events in real time (default), or by moving a test cluster's fake time on. */
export type Until = <T>(probe: () => T | undefined | false, what: string, timeoutMs?: number) => Promise<T>;

/**
 * Records an SDK client's calls, errors and close for assertions. `until` replaces the real-time,
 * event-driven wait (createTestCluster passes its own, which advances the cluster's clock).
 */
export function recordClient(client: TsworldClient, options: { until?: Until } = {}): TestClient {
  const calls: RecordedCall[] = [];
  const errors: { code: number; message: string }[] = [];
  const waiter = createWaiter();
  const poke = waiter.poke;
  const state = { closed: null as { code: number; reason: string } | null };
  client.on('call', (entity, method, args) => {
    calls.push({ entity, method, args });
    poke();
  });
  client.on('error', (e) => {
    errors.push(e);
    poke();
  });
  client.on('close', (code, reason) => {
    state.closed = { code, reason };
    poke();
  });
  for (const ev of ['create', 'destroy', 'attrs', 'positions', 'lost'] as const) client.on(ev, poke);

  function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
    return options.until ? options.until(probe, what, timeoutMs) : waiter.waitFor(probe, what, timeoutMs);
  }

  return {
    entities: client.entities,
    get player() {
      return client.player;
    },
    get connected() {
      return client.connected;
    },
    get limits() {
      return client.limits;
    },
    on: client.on,
    call: client.call,
    request: client.request,
    entity: client.entity,
    syncPosition: client.syncPosition,
    // Through waitFor, so a test cluster's clock moves while the client waits for its player.
    waitForPlayer: () => waitFor(() => client.player ?? undefined, 'the player entity'),
    close: client.close,
    calls,
    errors,
    get closed() {
      return state.closed;
    },
    waitCall(method: string, match: (args: unknown[]) => boolean = () => true, timeoutMs?: number) {
      return waitFor(() => calls.find((c) => c.method === method && match(c.args)), `call ${method}`, timeoutMs);
    },
    waitFor,
  };
}

/** Clients a test opens on a deployment's gates, all closed by `closeAll` (in afterAll). */
export function clientPool(urls: () => readonly string[]): { connect(gate?: number): Promise<TestClient>; closeAll(): void } {
  const clients: TestClient[] = [];
  return {
    async connect(gate = 0) {
      const c = await testClient(urls()[gate]);
      clients.push(c);
      return c;
    },
    closeAll() {
      for (const c of clients.splice(0)) c.close();
    },
  };
}
