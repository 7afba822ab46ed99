import {
  MSG,
  ProtocolError,
  createPackr,
  createWireCodec,
  encodeClientPositionMessage,
  type WireCodec,
  parseServerMessage,
} from '../protocol/index.ts';
import { serverMessageTable, type ClientMirror } from './server-messages.ts';
import { canSend, closeSession, createSession, sendCall, startConnection, type ReconnectOptions } from './reconnect.ts';
import { createRequests, type RequestOptions } from './requests.ts';
import { entityHandle, type ClientCallHandler, type ClientMethods, type EntityHandle, type EntityTypeOf, type GameTypes } from './typed-client.ts';

/** The server's view of one entity, mirrored on the client. */
export interface ClientEntity {
  readonly id: string;
  readonly typeName: string;
  /** True for the entity this client plays. */
  readonly isPlayer: boolean;
  /** Client and AllClients attributes (own entity) or AllClients ones (others), deltas applied. */
  readonly attrs: Record<string, unknown>;
  x: number;
  y: number;
  z: number;
  yaw: number;
}

export interface ServerError {
  code: number;
  message: string;
}

/** Events the client emits; handlers run in the order the server sent things. */
export interface ClientEvents {
  create: (entity: ClientEntity) => void;
  destroy: (entity: ClientEntity) => void;
  /** Attributes of an entity changed (one event per ATTR_DELTA message). */
  attrs: (entity: ClientEntity) => void;
  /** The server called a method on one of this client's entities. */
  call: (entity: ClientEntity, method: string, args: unknown[]) => void;
  /** Positions of some entities changed. */
  positions: (entities: ClientEntity[]) => void;
  /** The server refused something this client sent. */
  error: (error: ServerError) => void;
  /**
   * The player was lost with its game (it crashed or hung): every entity the client saw is forgotten, and
   * a new player (a new boot entity on a live game) follows as a `create` with isPlayer. The connection
   * stays; nothing is to be done but show `reason` and wait for the new player.
   */
  lost: (reason: string) => void;
  /** The player entered a space: its id and the game that holds it (after a migration, another game). */
  space: (spaceId: string, gameId: number) => void;
  /**
   * The connection is gone for good: the client's own close, a final code (a kick, a protocol fault), or,
   * with `reconnect`, the attempts ran out. Without `reconnect` every close is final.
   */
  close: (code: number, reason: string) => void;
  /** With `reconnect`: the connection dropped (`code`, `reason`); attempt `attempt` follows in `delayMs`. */
  reconnecting: (attempt: number, delayMs: number, code: number, reason: string) => void;
  /** Back on the same entity after a reconnect (its fresh snapshot has arrived); queued calls went out. */
  resumed: (player: ClientEntity) => void;
  /**
   * Reconnected, but not to the old entity (the grace period passed, the entity is gone, or there was
   * nothing to resume): everything mirrored was dropped, and a new boot entity follows as a `create`.
   */
  resumeFailed: (reason: string) => void;
  /** Calls that could not be sent and were not kept: over `maxQueuedCalls`, or a session that ended. */
  dropped: (count: number, reason: string) => void;
}

/** The subset of the WebSocket API the SDK uses: the browser's WebSocket and `ws` both fit. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface ClientOptions {
  /** The gate's WebSocket URL, e.g. ws://127.0.0.1:14001/ws. */
  url: string;
  /** WebSocket implementation: the browser's by default; in Node pass `WebSocket` from the `ws` package. */
  WebSocket?: WebSocketConstructor;
  /** Heartbeat period; 0 disables. Default: a third of the gate's heartbeat timeout (from WELCOME), at most 5000 ms. */
  heartbeatMs?: number;
  /**
   * Reconnect when the connection drops, and resume the same entity (SPEC.md §3.1): true for the
   * defaults, or the options (reconnect.ts). Calls made meanwhile are queued. Default off: a drop is a close.
   */
  reconnect?: boolean | ReconnectOptions;
  /** How long a request waits for its answer before it rejects with TIMEOUT (ms); default 10000. */
  requestTimeoutMs?: number;
}

/** The limits the gate announced in WELCOME (SPEC.md, "Handshake"). */
export interface ServerLimits {
  readonly protocolVersion: number;
  readonly heartbeatTimeoutMs: number;
  readonly maxPayload: number;
  readonly maxMessagesPerSecond: number;
  readonly maxBytesPerSecond: number;
  readonly maxArgDepth: number;
  readonly maxArgElements: number;
}

/**
 * A connected client. `G` is the game module's type (`connectClient<typeof game>(...)`, a type-only
 * import of the server's entry): it types `entity(id).call.*` and `on('call', method, ...)` from the
 * entity types' declarations. Without it anything compiles, as the server still checks every call.
 */
export interface TsworldClient<G extends GameTypes = GameTypes> {
  readonly entities: ReadonlyMap<string, ClientEntity>;
  /** The entity this client plays, once the server has created it. */
  readonly player: ClientEntity | null;
  readonly connected: boolean;
  /** What the gate announced in WELCOME. */
  readonly limits: ServerLimits;
  on<K extends keyof ClientEvents>(event: K, handler: ClientEvents[K]): () => void;
  /** Handles one method the server calls on this client's entities, typed by the game's `clientRpc`. */
  on<M extends keyof ClientMethods<G> & string>(event: 'call', method: M, handler: ClientCallHandler<G, M>): () => void;
  /** Calls an exposed method of an entity (own client or all clients exposure); fire-and-forget. */
  call(entityId: string, method: string, ...args: unknown[]): void;
  /**
   * Calls an exposed method and resolves with what it returned; rejects with a RequestError (its `code`
   * says why: TIMEOUT, DISCONNECTED, UNKNOWN_METHOD, TOO_MANY_REQUESTS...). `entity(id).request.m()` is the typed form.
   */
  request(entityId: string, method: string, args?: readonly unknown[], options?: RequestOptions): Promise<unknown>;
  /**
   * A typed handle on an entity: `client.entity<typeof Player>(id).call.echo(1)`. A misspelt method or a
   * wrong argument type is a compile error; calls are fire-and-forget, as `call`.
   */
  entity<T extends EntityTypeOf<G> = EntityTypeOf<G>>(entityId: string): EntityHandle<T>;
  /** Sends the player's position (accepted only if the server lets this entity sync from its client). */
  syncPosition(x: number, y: number, z: number, yaw: number): void;
  /** Resolves once the server has created the player entity. */
  waitForPlayer(): Promise<ClientEntity>;
  close(): void;
}

type OnEvent = <K extends keyof ClientEvents>(event: K, handler: ClientEvents[K]) => () => void;

/** The client's event handlers, by event. */
function createEvents(): Pick<ClientMirror, 'emit'> & { on: OnEvent } {
  const handlers: { [K in keyof ClientEvents]?: Set<ClientEvents[K]> } = {};
  return {
    emit(event, ...args) {
      for (const h of handlers[event] ?? []) (h as (...a: typeof args) => void)(...args);
    },
    on(event, handler) {
      let set = handlers[event] as Set<typeof handler> | undefined;
      if (!set) {
        set = new Set();
        (handlers as Record<string, unknown>)[event] = set;
      }
      set.add(handler);
      return () => void set.delete(handler);
    },
  };
}

/** `on(event, handler)`, plus `on('call', method, handler)`: only the calls of that method, its arguments spread. */
function onEvent<G extends GameTypes>(on: OnEvent): TsworldClient<G>['on'] {
  return ((event: keyof ClientEvents, a: unknown, b?: unknown) => {
    if (event !== 'call' || typeof a !== 'string') return on(event, a as ClientEvents[typeof event]);
    const handler = b as (...args: unknown[]) => void;
    return on('call', (entity, method, args) => {
      if (method === a) handler(...args, entity);
    });
  }) as TsworldClient<G>['on'];
}

/** A call's message; an argument msgpack cannot carry is the caller's mistake, said here, not by the server. */
function encodeCall(codec: WireCodec, entityId: string, method: string, args: unknown[]): Uint8Array {
  try {
    return codec.encodeClientMessage(MSG.CALL_ENTITY_METHOD_FROM_CLIENT, { entityId, method, args });
  } catch (cause) {
    // A cyclic value, a BigInt over 64 bits...
    throw new Error(`cannot encode the arguments of ${method}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Connects to a gate and performs the handshake (HELLO → WELCOME); resolves once the gate has accepted
 * it. A refused upgrade (503/429/403) or a close before WELCOME (e.g. 4008, another protocol version)
 * rejects with the reason.
 */
export function connectClient<G extends GameTypes = GameTypes>(options: ClientOptions): Promise<TsworldClient<G>> {
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!Ctor) throw new Error('no WebSocket implementation: pass options.WebSocket (e.g. from the ws package)');
  const codec = createWireCodec({ packr: createPackr() });
  const events = createEvents();
  const mirror: ClientMirror = {
    entities: new Map(),
    byHandle: new Map(),
    player: null,
    playerWaiters: [],
    emit: events.emit,
    welcomed: () => undefined,
    resumeToken: () => undefined,
    resumeResult: () => undefined,
    settle: (requestId, code, message, value) => requests.settle(requestId, code, message, value),
  };
  const session = createSession(mirror);
  const table = serverMessageTable(codec);
  const fault = (err: ProtocolError) => mirror.emit('error', { code: -1, message: `bad message from server: ${err.message}` });
  const send = (bytes: Uint8Array) => void (canSend(session) && session.socket?.send(bytes));
  const requests = createRequests(codec, (bytes) => canSend(session) && (session.socket?.send(bytes), true), options.requestTimeoutMs ?? 10_000);
  events.on('close', (code, reason) => requests.failAll(`connection closed (${code} ${reason})`));

  // A request in flight when the connection drops is not answered on the next one (nothing is replayed).
  events.on('reconnecting', (_attempt, _delay, code, reason) => requests.failAll(`connection lost (${code} ${reason})`));
  const call = (entityId: string, method: string, args: unknown[]) => sendCall(session, options, encodeCall(codec, entityId, method, args));
  const client: TsworldClient<G> = {
    entities: mirror.entities,
    get player() {
      return mirror.player;
    },
    get connected() {
      return canSend(session);
    },
    get limits() {
      if (session.limits === null) throw new Error('not connected yet');
      return session.limits;
    },
    on: onEvent(events.on),
    call: (entityId, method, ...args) => call(entityId, method, args),
    request: (entityId, method, args = [], opts) => requests.request(entityId, method, args, opts),
    entity: (entityId) => entityHandle(entityId, call, (id) => mirror.entities.get(id), requests.request),
    syncPosition(x, y, z, yaw) {
      if (mirror.player) send(encodeClientPositionMessage({ entityId: mirror.player.id, x, y, z, yaw }));
    },
    waitForPlayer() {
      return mirror.player ? Promise.resolve(mirror.player) : new Promise((resolve) => mirror.playerWaiters.push(resolve));
    },
    close: () => closeSession(session),
  };
  return startConnection(session, options, Ctor, (data) => {
    const msg = parseServerMessage(data);
    if (msg instanceof ProtocolError) return fault(msg);
    const result = table.dispatch(mirror, msg.type, msg.body);
    if (result instanceof ProtocolError) fault(result);
  }).then(() => client);
}
