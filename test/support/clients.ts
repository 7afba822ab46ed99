import WebSocket from 'ws';
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
  const calls: RecordedCall[] = [];
  const errors: { code: number; message: string }[] = [];
  const listeners = new Set<() => void>();
  const poke = () => {
    for (const l of [...listeners]) l();
  };
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
  for (const ev of ['create', 'destroy', 'attrs', 'positions'] as const) client.on(ev, poke);

  function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value !== undefined && value !== false) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(value as T);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
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
    syncPosition: client.syncPosition,
    waitForPlayer: client.waitForPlayer,
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
