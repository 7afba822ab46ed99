import { compareFilterProp } from '../../core/filter-compare.ts';
import type { FilterOp } from '../../protocol/index.ts';
import { KEY_SIZE, writeId, writeU16 } from '../../protocol/routing-key.ts';
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
  /** This gate's id: with clientId, the tail of every CALL_FROM_CLIENT key this client sends (writeCallKey). */
  readonly gateId: number;
  /** The entity the client currently plays (its "player"), learned from CREATE_ENTITY_ON_CLIENT. */
  ownerEntityId: string | null;
  /** Made at the first property: most clients never get one, and an empty Map costs ~200 bytes. */
  filterProps: Map<string, string> | null;
  /**
   * Last time (ms) the client sent anything; heartbeats only refresh this. Also the token buckets'
   * clock (takeToken): every message refills them, so one time serves both.
   */
  lastSeen: number;
  /**
   * Messages for this client in the current turn, sent together under one cork (one syscall). Taken
   * from the gate's spares when the turn's first message is queued and given back by the flush
   * (gate-state.ts): an idle client holds none.
   */
  outbox: Uint8Array[] | null;
  /** Its position stream while it reads too slowly: newest per handle (held-positions.ts); null until then. */
  held: HeldPositions | null;
  /** Token bucket for the per-client message rate. */
  tokens: number;
  /** Byte bucket: a flood of large messages is refused even under the message-count limit. */
  byteTokens: number;
  /**
   * Set when the gate closes this connection: nothing it sends afterwards is acted on. (`ws` keeps
   * delivering messages while a close handshake is pending, up to its 30 s close timeout.)
   */
  closing: boolean;
  /** Closed on game code's word (KICK_CLIENT): its entity unbinds it at once, with no resume grace. */
  kicked: boolean;
  /** Its RESUME went to the entity's game and the answer has not come: only one answer is passed on. */
  awaitingResume: boolean;
  /** Open requests (client-requests.ts): request id → the time the gate answers TIMEOUT; made at the first. */
  requests: Map<number, number> | null;
}

export interface RateLimits {
  messagesPerSec: number;
  bytesPerSec: number;
}

export function createClientProxy(gateId: number, clientId: string, connection: ClientConnection, now: number, limits: RateLimits): ClientProxy {
  return {
    clientId,
    connection,
    phase: 'hello',
    openedAt: now,
    bootEntityId: null,
    gateId,
    ownerEntityId: null,
    filterProps: null,
    outbox: null,
    held: null,
    lastSeen: now,
    tokens: limits.messagesPerSec,
    byteTokens: limits.bytesPerSec,
    closing: false,
    kicked: false,
    awaitingResume: false,
    requests: null,
  };
}

/**
 * The key a game reads for a client's call: entityId (the client's bytes, already checked) · gateId ·
 * clientId, written in `scratch` (which the link copies before sendParts returns). Written per call
 * rather than kept per client: 18 bytes of copying against a typed array and its buffer (~220 bytes) for
 * every idle client.
 */
export function writeCallKey(scratch: Uint8Array, body: Uint8Array, proxy: ClientProxy): Uint8Array {
  scratch.set(body.subarray(0, KEY_SIZE.entity), 0);
  writeU16(scratch, KEY_SIZE.entity, proxy.gateId);
  writeId(scratch, KEY_SIZE.entity + 2, proxy.clientId);
  return scratch;
}

/**
 * Token buckets for messages and bytes: each rate sustained, with bursts up to one second's worth.
 * Returns false when the client is over either (the gate then closes it: a flood is not something to queue).
 */
export function takeToken(proxy: ClientProxy, now: number, limits: RateLimits, bytes: number): boolean {
  const seconds = (now - proxy.lastSeen) / 1000;
  proxy.tokens = Math.min(limits.messagesPerSec, proxy.tokens + seconds * limits.messagesPerSec);
  proxy.byteTokens = Math.min(limits.bytesPerSec, proxy.byteTokens + seconds * limits.bytesPerSec);
  proxy.lastSeen = now;
  if (proxy.tokens < 1 || proxy.byteTokens < bytes) return false;
  proxy.tokens -= 1;
  proxy.byteTokens -= bytes;
  return true;
}

/** A client without the property never matches; see compareFilterProp for the comparison itself. */
export function filterMatches(proxy: ClientProxy, key: string, op: FilterOp, value: string): boolean {
  const actual = proxy.filterProps?.get(key);
  return actual !== undefined && compareFilterProp(actual, op, value);
}

/** SET_CLIENT_FILTER_PROP for a client of this gate (none if it is gone meanwhile). */
export function setFilterProp(proxy: ClientProxy | undefined, key: string, value: string): void {
  if (proxy) (proxy.filterProps ??= new Map()).set(key, value);
}

/** CLEAR_CLIENT_FILTER_PROPS: back to none, which costs nothing. */
export function clearFilterProps(proxy: ClientProxy | undefined): void {
  if (proxy) proxy.filterProps = null;
}
