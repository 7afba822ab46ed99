import WebSocket, { type ClientOptions } from 'ws';
import { createWaiter } from './waiter.ts';
import {
  MSG,
  PROTOCOL_VERSION,
  ProtocolError,
  createPackr,
  createWireCodec,
  parseServerMessage,
} from '../../src/protocol/index.ts';

/**
 * A raw WebSocket client for sending what no SDK would, with everything the gate answers recorded: the
 * close, ERROR messages and the player entity's id. Shared by the edge and fuzz suites.
 */

const codec = createWireCodec({ packr: createPackr() });

export const u16 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff];

/** One client WebSocket message: u16 type · body. */
export function clientMessage(type: number, body: Uint8Array | readonly number[] = []): Uint8Array {
  const out = new Uint8Array(2 + body.length);
  out.set(u16(type), 0);
  out.set(body, 2);
  return out;
}

export const helloMessage = (version = PROTOCOL_VERSION): Uint8Array => clientMessage(MSG.HELLO.id, u16(version));
export const heartbeatMessage = (): Uint8Array => clientMessage(MSG.HEARTBEAT.id);

/** A well-formed call, encoded as the SDK does. */
export function callMessage(entityId: string, method: string, args: unknown[]): Uint8Array {
  return codec.encodeClientMessage(MSG.CALL_ENTITY_METHOD_FROM_CLIENT, { entityId, method, args });
}

export interface CloseEvent {
  readonly code: number;
  readonly reason: string;
}

export interface ServerErrorMessage {
  readonly code: number;
  readonly message: string;
}

export interface ServerCall {
  readonly entityId: string;
  readonly method: string;
  readonly args: unknown[];
}

export interface RawClient {
  readonly ws: WebSocket;
  /** Types of every message received, in order. */
  readonly types: number[];
  readonly errors: ServerErrorMessage[];
  readonly calls: ServerCall[];
  /** Server messages the client could not decode (a server bug, never expected). */
  readonly undecodable: string[];
  readonly closed: CloseEvent | null;
  readonly welcomed: boolean;
  /** The entity this connection plays (the last CREATE_ENTITY_ON_CLIENT with isPlayer), by id and type. */
  readonly player: { id: string; typeName: string } | null;
  /** The last RESUME_TOKEN, and every RESUME_RESULT, of this connection. */
  readonly resumeToken: Uint8Array | null;
  readonly resumeResults: { resumed: boolean; reason: string }[];
  send(message: Uint8Array | string): void;
  /** Sends HELLO and resolves once WELCOME arrives (rejects if the connection closes first). */
  hello(version?: number, timeoutMs?: number): Promise<void>;
  /** Resolves with the first truthy probe() result, re-checked on every event; rejects after timeoutMs. */
  waitFor<T>(probe: () => T | undefined | null | false, what: string, timeoutMs?: number): Promise<T>;
  /** Resolves with the close (the gate's answer), or null if the connection is still open after timeoutMs. */
  waitClosed(timeoutMs: number): Promise<CloseEvent | null>;
  /** Closes from this side and waits for the close to complete (terminating after a bound). */
  close(): Promise<void>;
}

export interface RawClientOptions {
  /** Complete the handshake (HELLO → WELCOME) before resolving. Default true. */
  hello?: boolean;
  /** Wait for the player (boot) entity too. Default false. */
  player?: boolean;
  /** Local address to connect from (e.g. 127.0.0.2), for per-address limits. */
  localAddress?: string;
  timeoutMs?: number;
}

/** Why an upgrade did not become a WebSocket: the HTTP status when the gate answered one. */
export class UpgradeRefused extends Error {
  readonly status: number | null;

  constructor(message: string, status: number | null) {
    super(message);
    this.name = 'UpgradeRefused';
    this.status = status;
  }
}

/** The status in ws's "Unexpected server response: 429", or null for another failure. */
export function refusalStatus(error: Error): number | null {
  const match = /Unexpected server response: (\d{3})/.exec(error.message);
  return match ? Number(match[1]) : null;
}

function record(
  client: { types: number[]; errors: ServerErrorMessage[]; calls: ServerCall[]; undecodable: string[]; resumeResults: { resumed: boolean; reason: string }[] },
  data: Uint8Array,
  state: RawState,
): void {
  const msg = parseServerMessage(data);
  if (msg instanceof ProtocolError) {
    client.undecodable.push(msg.message);
    return;
  }
  client.types.push(msg.type);
  const fault = (m: ProtocolError): void => {
    client.undecodable.push(`${msg.spec.name}: ${m.message}`);
  };
  switch (msg.type) {
    case MSG.WELCOME.id:
      state.welcomed = true;
      return;
    case MSG.ERROR.id: {
      const m = codec.decodeFields(MSG.ERROR, msg.body);
      if (m instanceof ProtocolError) return fault(m);
      client.errors.push({ code: m.code, message: m.message });
      return;
    }
    case MSG.CREATE_ENTITY_ON_CLIENT.id: {
      const m = codec.decodeFields(MSG.CREATE_ENTITY_ON_CLIENT, msg.body);
      if (m instanceof ProtocolError) return fault(m);
      if (m.isPlayer) state.player = { id: m.entityId, typeName: m.typeName };
      return;
    }
    case MSG.CALL_ENTITY_METHOD_ON_CLIENT.id: {
      const m = codec.decodeFields(MSG.CALL_ENTITY_METHOD_ON_CLIENT, msg.body);
      if (m instanceof ProtocolError) return fault(m);
      client.calls.push({ entityId: m.entityId, method: m.method, args: m.args });
      return;
    }
    case MSG.RESUME_TOKEN.id: {
      const m = codec.decodeFields(MSG.RESUME_TOKEN, msg.body);
      if (m instanceof ProtocolError) return fault(m);
      state.resumeToken = new Uint8Array(m.token);
      return;
    }
    case MSG.RESUME_RESULT.id: {
      const m = codec.decodeFields(MSG.RESUME_RESULT, msg.body);
      if (m instanceof ProtocolError) return fault(m);
      client.resumeResults.push({ resumed: m.resumed, reason: m.reason });
      return;
    }
    default:
      return;
  }
}

interface RawState {
  welcomed: boolean;
  player: { id: string; typeName: string } | null;
  closed: CloseEvent | null;
  resumeToken: Uint8Array | null;
}

/**
 * Opens a raw connection. Rejects with UpgradeRefused when the gate refuses the upgrade (429/503/403)
 * or the connection fails, and when the handshake does not complete in time.
 */
export function openRawClient(url: string, options: RawClientOptions = {}): Promise<RawClient> {
  const { hello = true, player = false, localAddress, timeoutMs = 15_000 } = options;
  const wsOptions: ClientOptions = { maxPayload: 16 * 1024 * 1024, ...(localAddress ? { localAddress } : {}) };
  const ws = new WebSocket(url, wsOptions);
  ws.binaryType = 'nodebuffer';
  const state: RawState = { welcomed: false, player: null, closed: null, resumeToken: null };
  const waiter = createWaiter(15_000);
  const poke = waiter.poke;
  const lists = {
    types: [] as number[], errors: [] as ServerErrorMessage[], calls: [] as ServerCall[], undecodable: [] as string[],
    resumeResults: [] as { resumed: boolean; reason: string }[],
  };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) lists.undecodable.push('text message from the gate');
    else record(lists, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), state);
    poke();
  });
  ws.on('close', (code, reason) => {
    state.closed = { code, reason: reason.toString() };
    poke();
  });
  // After open, errors (e.g. a reset) are followed by 'close', which is what callers look at.
  ws.on('error', () => undefined);

  const { waitFor } = waiter;

  const client: RawClient = {
    ws,
    ...lists,
    get closed() {
      return state.closed;
    },
    get welcomed() {
      return state.welcomed;
    },
    get player() {
      return state.player;
    },
    get resumeToken() {
      return state.resumeToken;
    },
    send(message) {
      if (ws.readyState === WebSocket.OPEN) ws.send(message);
    },
    async hello(version = PROTOCOL_VERSION, ms = timeoutMs) {
      client.send(helloMessage(version));
      await waitFor(() => state.welcomed || state.closed, 'WELCOME', ms);
      if (!state.welcomed) throw new Error(`closed before WELCOME: ${state.closed?.code} ${state.closed?.reason}`);
    },
    waitFor,
    waitClosed(ms) {
      return waitFor(() => state.closed, 'close', ms).catch(() => null);
    },
    async close() {
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      if (state.closed === null && (await client.waitClosed(5_000)) === null) ws.terminate();
    },
  };

  return new Promise((resolve, reject) => {
    ws.once('error', (err) => reject(new UpgradeRefused(err.message, refusalStatus(err))));
    ws.once('open', () => {
      if (!hello) return resolve(client);
      client
        .hello(PROTOCOL_VERSION, timeoutMs)
        .then(() => (player ? waitFor(() => state.player ?? (state.closed && new Error('closed')), 'player entity', timeoutMs) : null))
        .then((p) => (p instanceof Error ? Promise.reject(p) : resolve(client)))
        .catch((err: unknown) => {
          ws.terminate();
          reject(err);
        });
    });
  });
}
