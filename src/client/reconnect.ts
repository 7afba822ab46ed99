import { MSG, PROTOCOL_VERSION } from '../protocol/index.ts';
import type { ClientEntity, ClientOptions, ServerLimits, WebSocketConstructor, WebSocketLike } from './client.ts';
import type { ClientMirror } from './server-messages.ts';

/**
 * Reconnect and resume (SPEC.md §3.1), browser-safe. When a connection the gate had welcomed drops, the
 * SDK opens a new one after a backoff with jitter, to the same gate or the next of `urls`, and sends
 * RESUME with the token of the last connection and its player's id instead of HELLO. Resumed, it keeps
 * its entity: the mirror is rebuilt from the snapshot that follows, and calls queued meanwhile go out.
 * Refused (the grace period passed, the entity is gone), it gets a new boot entity as after HELLO, and
 * the queued calls (meant for the old session's entities) are dropped and reported.
 */
export interface ReconnectOptions {
  /** Gates to try, in turn (a client may resume on any gate of the deployment); default [options.url]. */
  readonly urls?: readonly string[];
  /** Delay before the first attempt; doubled each attempt up to maxDelayMs, each with ±50% jitter. Default 200. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Attempts before the client gives up and emits 'close'. Default 30 (about the default 30 s grace period at maxDelayMs 2000). */
  readonly maxAttempts?: number;
  /** Calls kept while disconnected; a call beyond it is dropped and reported ('dropped'). Default 256. */
  readonly maxQueuedCalls?: number;
}

export const RECONNECT_DEFAULTS = { initialDelayMs: 200, maxDelayMs: 2000, maxAttempts: 30, maxQueuedCalls: 256 } as const;

/** One client's connection state, across the sockets it goes through. */
export interface Session {
  /** The current socket; null only before the first one is opened. */
  socket: WebSocketLike | null;
  readonly mirror: ClientMirror;
  /** The current socket is open. */
  open: boolean;
  /** What the first gate announced in WELCOME; kept across reconnects. */
  limits: ServerLimits | null;
  /** The current socket got WELCOME: messages may go out on it. */
  welcomed: boolean;
  heartbeat: ReturnType<typeof setInterval> | undefined;
  /** The last connection's RESUME_TOKEN. */
  token: Uint8Array | null;
  /** close() was called: no reconnect. */
  closedByUser: boolean;
  /** Calls made while no welcomed connection can take them, oldest first. */
  readonly queue: Uint8Array[];
  /** A resumed or refused answer is still awaited: queued calls wait for it. */
  resuming: boolean;
  /** 'close' was emitted: the session is over. */
  ended: boolean;
  /** A resume was accepted and 'resumed' waits for the player's snapshot. */
  announcing: boolean;
}

export function createSession(mirror: ClientMirror): Session {
  return { socket: null, mirror, open: false, limits: null, welcomed: false, heartbeat: undefined, token: null, closedByUser: false, queue: [], resuming: false, ended: false, announcing: false };
}

const HEARTBEAT_MESSAGE = new Uint8Array([MSG.HEARTBEAT.id & 0xff, MSG.HEARTBEAT.id >> 8]);
const HELLO_MESSAGE = new Uint8Array([MSG.HELLO.id & 0xff, MSG.HELLO.id >> 8, PROTOCOL_VERSION & 0xff, PROTOCOL_VERSION >> 8]);

/** Close codes after which coming back is pointless: the client's own close, a kick, a protocol mismatch or a client bug. */
const FINAL_CODES: ReadonlySet<number> = new Set([1000, 4000, 4001, 4002, 4003, 4004, 4008, 4009, 4010]);

/** RESUME (2050): u16 type · u16 version · token · entityId (16 ASCII bytes). */
export function resumeMessage(token: Uint8Array, entityId: string): Uint8Array {
  const out = new Uint8Array(4 + token.length + entityId.length);
  out[0] = MSG.RESUME.id & 0xff;
  out[1] = MSG.RESUME.id >> 8;
  out[2] = PROTOCOL_VERSION & 0xff;
  out[3] = PROTOCOL_VERSION >> 8;
  out.set(token, 4);
  for (let i = 0; i < entityId.length; i++) out[4 + token.length + i] = entityId.charCodeAt(i) & 0x7f;
  return out;
}

/** A welcomed connection that is not waiting for its resume answer can carry messages. */
export function canSend(session: Session): boolean {
  return session.welcomed && !session.resuming;
}

/** A connection that can carry it sends now; otherwise a reconnecting client queues, within its bound. */
export function sendCall(session: Session, options: ClientOptions, bytes: Uint8Array): void {
  if (canSend(session)) return void session.socket?.send(bytes);
  if (!reconnectOptions(options) || session.closedByUser || session.ended) return session.mirror.emit('dropped', 1, 'not connected');
  const max = reconnectOptions(options)?.maxQueuedCalls ?? RECONNECT_DEFAULTS.maxQueuedCalls;
  if (session.queue.length >= max) return session.mirror.emit('dropped', 1, `more than ${max} calls queued while disconnected`);
  session.queue.push(bytes);
}

function reconnectOptions(options: ClientOptions): ReconnectOptions | null {
  if (options.reconnect === undefined || options.reconnect === false) return null;
  return options.reconnect === true ? {} : options.reconnect;
}

/** The session is over: queued calls are reported, and 'close' is emitted once. */
function end(session: Session, code: number, reason: string): void {
  if (session.ended) return;
  session.ended = true;
  dropQueue(session, session.closedByUser ? 'the client closed' : `connection closed (${code} ${reason})`);
  session.mirror.emit('close', code, reason);
}

function dropQueue(session: Session, reason: string): void {
  const count = session.queue.length;
  session.queue.length = 0;
  if (count > 0) session.mirror.emit('dropped', count, reason);
}

/** Everything the client mirrored goes (each as a 'destroy'): the snapshot of the new connection replaces it. */
function forgetMirror(mirror: ClientMirror): void {
  const gone = [...mirror.entities.values()];
  mirror.entities.clear();
  mirror.byHandle.clear();
  mirror.player = null;
  for (const entity of gone) mirror.emit('destroy', entity);
}

interface Attempt {
  readonly session: Session;
  readonly options: ClientOptions;
  readonly Ctor: WebSocketConstructor;
  readonly onMessage: (data: Uint8Array) => void;
  /** The first connection's outcome: WELCOME, or why it failed. */
  readonly settleFirst: (error: Error | null) => void;
  /** Consecutive failed attempts since the last welcomed connection. */
  failures: number;
  /** The player id a RESUME names: the last player the client had. */
  player: string | null;
}

function open(a: Attempt, url: string, resume: boolean): void {
  const { session } = a;
  let socket: WebSocketLike;
  try {
    socket = new a.Ctor(url);
  } catch (err) {
    // A URL the WebSocket refuses outright (the first one throws to connectClient's caller, as before).
    if (session.limits === null) throw err;
    return onClose(a, 1006, err instanceof Error ? err.message : String(err));
  }
  socket.binaryType = 'arraybuffer';
  session.socket = socket;
  socket.onopen = () => {
    session.open = true;
    if (session.closedByUser) return socket.close(1000, 'client closed');
    const token = resume ? session.token : null;
    session.resuming = token !== null && a.player !== null;
    socket.send(token !== null && a.player !== null ? resumeMessage(token, a.player) : HELLO_MESSAGE);
  };
  socket.onerror = (ev) => {
    if (!session.open && session.limits === null) a.settleFirst(new Error(`cannot connect to ${url}: ${(ev as { message?: string }).message ?? 'error'}`));
  };
  socket.onclose = (ev) => onClose(a, ev.code, ev.reason);
  socket.onmessage = (ev) => {
    const data = ev.data;
    if (data instanceof ArrayBuffer) a.onMessage(new Uint8Array(data));
    else if (data instanceof Uint8Array) a.onMessage(data);
  };
}

function onClose(a: Attempt, code: number, reason: string): void {
  const { session, options } = a;
  const wasWelcomed = session.welcomed;
  session.open = false;
  session.welcomed = false;
  if (session.heartbeat) clearInterval(session.heartbeat);
  session.heartbeat = undefined;
  if (session.limits === null) {
    a.settleFirst(new Error(`connection to ${options.url} closed (${code} ${reason})`));
    return end(session, code, reason);
  }
  const settings = reconnectOptions(options);
  if (wasWelcomed) a.failures = 0;
  else a.failures++;
  const maxAttempts = settings?.maxAttempts ?? RECONNECT_DEFAULTS.maxAttempts;
  if (settings === null || session.closedByUser || FINAL_CODES.has(code) || a.failures >= maxAttempts) return end(session, code, reason);
  if (wasWelcomed) a.player = session.mirror.player?.id ?? a.player;
  const initial = settings.initialDelayMs ?? RECONNECT_DEFAULTS.initialDelayMs;
  const max = settings.maxDelayMs ?? RECONNECT_DEFAULTS.maxDelayMs;
  const delayMs = Math.round(Math.min(max, initial * 2 ** a.failures) * (0.5 + Math.random()));
  const urls = settings.urls?.length ? settings.urls : [options.url];
  const url = urls[a.failures % urls.length];
  session.mirror.emit('reconnecting', a.failures + 1, delayMs, code, reason);
  setTimeout(() => {
    if (!session.closedByUser) open(a, url, true);
  }, delayMs);
}

/** WELCOME on the current socket: heartbeats start; the first resolves connectClient. */
function onWelcome(a: Attempt, announced: ServerLimits): void {
  const { session, options } = a;
  const first = session.limits === null;
  session.limits ??= announced;
  session.welcomed = true;
  const period = options.heartbeatMs ?? Math.min(5000, Math.floor(announced.heartbeatTimeoutMs / 3));
  if (period > 0) session.heartbeat = setInterval(() => session.open && session.socket?.send(HEARTBEAT_MESSAGE), period);
  if (first) return a.settleFirst(null);
  // Reconnected without a token to resume with (the gate sent none, or there was no player yet).
  if (!session.resuming) {
    forgetMirror(session.mirror);
    dropQueue(session, 'reconnected as a new session: nothing to resume');
    session.mirror.emit('resumeFailed', 'no resume token or player to resume');
  }
}

/** RESUME_RESULT: the same entity (the snapshot follows, then the queued calls), or a new boot entity. */
function onResumeResult(a: Attempt, resumed: boolean, reason: string): void {
  const { session } = a;
  if (!session.resuming) return;
  session.resuming = false;
  forgetMirror(session.mirror);
  if (!resumed) {
    dropQueue(session, `resume refused: ${reason}`);
    return session.mirror.emit('resumeFailed', reason);
  }
  for (const bytes of session.queue.splice(0)) session.socket?.send(bytes);
  if (session.announcing) return;
  session.announcing = true;
  session.mirror.playerWaiters.push((player: ClientEntity) => {
    session.announcing = false;
    session.mirror.emit('resumed', player);
  });
}

/**
 * Opens the first connection and, with `options.reconnect`, every later one. Resolves at the first
 * WELCOME; rejects when the first connection fails (a refused upgrade, a close before WELCOME).
 */
export function startConnection(session: Session, options: ClientOptions, Ctor: WebSocketConstructor, onMessage: (data: Uint8Array) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const a: Attempt = {
      session,
      options,
      Ctor,
      onMessage,
      settleFirst(error) {
        if (settled) return;
        settled = true;
        if (error) reject(error);
        else resolve();
      },
      failures: 0,
      player: null,
    };
    session.mirror.welcomed = (limits) => onWelcome(a, limits);
    session.mirror.resumeToken = (token) => void (session.token = token);
    session.mirror.resumeResult = (resumed, reason) => onResumeResult(a, resumed, reason);
    open(a, options.url, false);
  });
}

/** The client's own close: final, whatever the reconnect options say. */
export function closeSession(session: Session): void {
  if (session.closedByUser) return;
  session.closedByUser = true;
  // Between two attempts no open socket will report the close: it is reported from here.
  if (!session.open) return end(session, 1000, 'client closed');
  session.socket?.close(1000, 'client closed');
}
