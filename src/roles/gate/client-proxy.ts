import { compareFilterProp } from '../../core/filter-compare.ts';
import { LIMITS, type FilterOp } from '../../protocol/index.ts';
import { writeId, writeU16 } from '../../protocol/routing-key.ts';
import type { ClientConnection } from '../../transport/index.ts';
import type { HeldPositions } from './held-positions.ts';

/** The gate's side of one client connection. It owns no game state, only what the edge needs. */
export interface ClientProxy {
  readonly clientId: string;
  readonly connection: ClientConnection;
  /**
   * 'hello': connected, nothing accepted but HELLO yet, no game state exists for it;
   * 'ready': WELCOME sent and its boot entity requested.
   */
  phase: 'hello' | 'ready';
  /** When the socket opened (ms): HELLO is due within the handshake timeout. */
  readonly openedAt: number;
  /** The entity made for this connection at HELLO (GoWorld's boot entity); null before it. */
  bootEntityId: string | null;
  /** gateId u16 · clientId: the tail of every CALL_FROM_CLIENT key this client sends, built once. */
  readonly callerKey: Uint8Array;
  /** The entity the client currently plays (its "player"), learned from CREATE_ENTITY_ON_CLIENT. */
  ownerEntityId: string | null;
  readonly filterProps: Map<string, string>;
  /** Last time (ms) the client sent anything; heartbeats only refresh this. */
  lastSeen: number;
  /** Messages for this client in the current turn, sent together under one cork (one syscall). */
  readonly outbox: Uint8Array[];
  /** Its position stream while it reads too slowly: newest per handle (held-positions.ts); null until then. */
  held: HeldPositions | null;
  /** Token bucket for the per-client message rate. */
  tokens: number;
  /** Byte bucket: a flood of large messages is refused even under the message-count limit. */
  byteTokens: number;
  tokensAt: number;
  /**
   * Set when the gate closes this connection: nothing it sends afterwards is acted on. (`ws` keeps
   * delivering messages while a close handshake is pending, up to its 30 s close timeout.)
   */
  closing: boolean;
  /** Closed on game code's word (KICK_CLIENT): its entity unbinds it at once, with no resume grace. */
  kicked: boolean;
  /** Its RESUME went to the entity's game and the answer has not come: only one answer is passed on. */
  awaitingResume: boolean;
  /** Open requests (client-requests.ts): request id → the time the gate answers TIMEOUT. */
  readonly requests: Map<number, number>;
}

export interface RateLimits {
  messagesPerSec: number;
  bytesPerSec: number;
}

export function createClientProxy(gateId: number, clientId: string, connection: ClientConnection, now: number, limits: RateLimits): ClientProxy {
  const callerKey = new Uint8Array(2 + LIMITS.idLength);
  writeU16(callerKey, 0, gateId);
  writeId(callerKey, 2, clientId);
  return {
    clientId,
    connection,
    phase: 'hello',
    openedAt: now,
    bootEntityId: null,
    callerKey,
    ownerEntityId: null,
    filterProps: new Map(),
    outbox: [],
    held: null,
    lastSeen: now,
    tokens: limits.messagesPerSec,
    byteTokens: limits.bytesPerSec,
    tokensAt: now,
    closing: false,
    kicked: false,
    awaitingResume: false,
    requests: new Map(),
  };
}

/**
 * Token buckets for messages and bytes: each rate sustained, with bursts up to one second's worth.
 * Returns false when the client is over either (the gate then closes it: a flood is not something to queue).
 */
export function takeToken(proxy: ClientProxy, now: number, limits: RateLimits, bytes: number): boolean {
  const seconds = (now - proxy.tokensAt) / 1000;
  proxy.tokens = Math.min(limits.messagesPerSec, proxy.tokens + seconds * limits.messagesPerSec);
  proxy.byteTokens = Math.min(limits.bytesPerSec, proxy.byteTokens + seconds * limits.bytesPerSec);
  proxy.tokensAt = now;
  if (proxy.tokens < 1 || proxy.byteTokens < bytes) return false;
  proxy.tokens -= 1;
  proxy.byteTokens -= bytes;
  return true;
}

/** A client without the property never matches; see compareFilterProp for the comparison itself. */
export function filterMatches(proxy: ClientProxy, key: string, op: FilterOp, value: string): boolean {
  const actual = proxy.filterProps.get(key);
  return actual !== undefined && compareFilterProp(actual, op, value);
}
