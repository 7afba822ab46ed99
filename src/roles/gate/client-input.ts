import type { Metrics } from '../../observability/index.ts';
import {
  CLIENT_ERROR_CODES,
  MSG,
  PROTOCOL_VERSION,
  ProtocolError,
  checkClientCall,
  decodeClientPosition,
  parseClientMessage,
  type ArgLimits,
  type WireCodec,
} from '../../protocol/index.ts';
import { KEY_SIZE, isIdBytes, readId, readU16 } from '../../protocol/routing-key.ts';
import { RESUME_TOKEN_BYTES } from './resume-token.ts';
import { handlerTable, type HandlerTable } from '../../protocol/handler-table.ts';
import { takeToken, writeCallKey, type ClientProxy, type RateLimits } from './client-proxy.ts';
import { makeOnRequest, type RequestEdge } from './client-requests.ts';

/** What the client-message handlers need of the gate: its limits and the ways out. */
export interface ClientEdge extends RequestEdge {
  readonly codec: WireCodec;
  readonly metrics?: Metrics;
  readonly rates: RateLimits;
  readonly argLimits: ArgLimits;
  /** WELCOME's body after the key: the limits a client should respect, encoded once. */
  readonly welcome: Uint8Array;
  /** Closes the connection with the fault's code (logged rate-limited, counted by fault). */
  refuse(proxy: ClientProxy, error: ProtocolError): void;
  /** A refusal the client can recover from: ERROR, and the connection stays. */
  answerError(proxy: ClientProxy, code: number, message: string, limit: string): void;
  sendToClient(proxy: ClientProxy, message: Uint8Array): void;
  /** HELLO accepted: the gate makes the boot entity. */
  admitted(proxy: ClientProxy): void;
  /** RESUME accepted as a handshake: the gate checks the token and asks the entity's game to rebind it. */
  resume(proxy: ClientProxy, token: Uint8Array, entityId: string): void;
  forwardCall(proxy: ClientProxy, head: Uint8Array, fields: Uint8Array, entityId: string): void;
  forwardPosition(proxy: ClientProxy, record: Uint8Array, entityId: string): void;
}

type ClientHandler = (edge: ClientEdge, proxy: ClientProxy, body: Uint8Array) => void;

/** The context of one client message: the gate's edge and the sender's proxy. */
interface ClientContext {
  readonly edge: ClientEdge;
  readonly proxy: ClientProxy;
}

function onHello(edge: ClientEdge, proxy: ClientProxy, body: Uint8Array): void {
  if (proxy.phase !== 'hello') return edge.refuse(proxy, new ProtocolError('handshake', 'HELLO sent twice'));
  if (body.length !== 2) return edge.refuse(proxy, new ProtocolError('bad-body', 'HELLO is exactly a u16 protocol version'));
  const version = readU16(body, 0);
  if (version !== PROTOCOL_VERSION) {
    return edge.refuse(proxy, new ProtocolError('protocol-version', `client speaks protocol ${version}, this gate ${PROTOCOL_VERSION}`));
  }
  proxy.phase = 'ready';
  edge.sendToClient(proxy, edge.welcome);
  edge.admitted(proxy);
}

const RESUME_BODY = 2 + RESUME_TOKEN_BYTES + KEY_SIZE.entity;

/** The handshake of a client coming back: HELLO's checks, then its token and the entity it played. */
function onResume(edge: ClientEdge, proxy: ClientProxy, body: Uint8Array): void {
  if (proxy.phase !== 'hello') return edge.refuse(proxy, new ProtocolError('handshake', 'RESUME after the handshake'));
  if (body.length !== RESUME_BODY || !isIdBytes(body, 2 + RESUME_TOKEN_BYTES)) {
    return edge.refuse(proxy, new ProtocolError('bad-body', `RESUME is a u16 version, a ${RESUME_TOKEN_BYTES}-byte token and a 16-byte entity id`));
  }
  const version = readU16(body, 0);
  if (version !== PROTOCOL_VERSION) {
    return edge.refuse(proxy, new ProtocolError('protocol-version', `client speaks protocol ${version}, this gate ${PROTOCOL_VERSION}`));
  }
  proxy.phase = 'ready';
  edge.sendToClient(proxy, edge.welcome);
  edge.resume(proxy, body.subarray(2, 2 + RESUME_TOKEN_BYTES), readId(body, 2 + RESUME_TOKEN_BYTES));
}

function onHeartbeat(edge: ClientEdge, proxy: ClientProxy, body: Uint8Array): void {
  if (body.length !== 0) edge.refuse(proxy, new ProtocolError('bad-body', 'heartbeat has no body'));
}

function makeOnCall(): ClientHandler {
  const scratch = new Uint8Array(KEY_SIZE.entityGateClient);
  return (edge, proxy, body) => {
    const call = checkClientCall(body, edge.argLimits);
    if (call.kind === 'close') return edge.refuse(proxy, call.error);
    if (call.kind === 'refuse') {
      return edge.answerError(proxy, CLIENT_ERROR_CODES.INVALID_ARGUMENT, `${call.method}: ${call.reason}`, `arg-${call.fault}`);
    }
    edge.forwardCall(proxy, writeCallKey(scratch, body, proxy), call.fields, call.entityId);
  };
}

function onPosition(edge: ClientEdge, proxy: ClientProxy, body: Uint8Array): void {
  const pos = decodeClientPosition(body);
  if (pos instanceof ProtocolError) return edge.refuse(proxy, pos);
  if (pos.entityId !== proxy.ownerEntityId) {
    return edge.answerError(proxy, CLIENT_ERROR_CODES.PERMISSION_DENIED, 'position sync refused: not your entity', 'position-owner');
  }
  edge.forwardPosition(proxy, body, pos.entityId);
}

function requestHandler(): (ctx: ClientContext, body: Uint8Array) => void {
  const onRequest = makeOnRequest();
  return (ctx, body) => onRequest(ctx.edge, ctx.proxy, body, ctx.proxy.lastSeen);
}

/**
 * One handler per client message type, registered against the protocol table. Every body is raw here:
 * the edge checks bytes itself (client-call.ts) and forwards them, it never decodes client msgpack.
 * Built per gate, since the call handler owns a scratch key.
 */
export function createClientHandlers(codec: WireCodec): HandlerTable<ClientContext> {
  const raw = (handler: ClientHandler) => (ctx: ClientContext, body: Uint8Array) => handler(ctx.edge, ctx.proxy, body);
  return handlerTable<ClientContext>(codec)
    .raw(MSG.HELLO, raw(onHello))
    .raw(MSG.RESUME, raw(onResume))
    .raw(MSG.HEARTBEAT, raw(onHeartbeat))
    .raw(MSG.CALL_ENTITY_METHOD_FROM_CLIENT, raw(makeOnCall()))
    .raw(MSG.SYNC_POSITION_FROM_CLIENT, raw(onPosition))
    .raw(MSG.REQUEST_ENTITY_METHOD_FROM_CLIENT, requestHandler())
    .build();
}

/**
 * Every client message, in the order the edge checks it: rate (messages and bytes), framing and type,
 * handshake state, then the type's own handler. Nothing is decoded before the rate check passes.
 */
export function handleClientMessage(
  edge: ClientEdge,
  handlers: HandlerTable<ClientContext>,
  proxy: ClientProxy,
  message: Uint8Array,
  now: number,
): void {
  edge.metrics?.messagesIn('client');
  // Also sets lastSeen, which the heartbeat deadline reads.
  if (!takeToken(proxy, now, edge.rates, message.length)) {
    const { messagesPerSec, bytesPerSec } = edge.rates;
    return edge.refuse(proxy, new ProtocolError('rate-limit', `more than ${messagesPerSec} messages or ${bytesPerSec} bytes per second`));
  }
  const parsed = parseClientMessage(message);
  if (parsed instanceof ProtocolError) return edge.refuse(proxy, parsed);
  if (proxy.phase === 'hello' && parsed.type !== MSG.HELLO.id && parsed.type !== MSG.RESUME.id) {
    return edge.refuse(proxy, new ProtocolError('handshake', `the first message must be HELLO or RESUME, not ${parsed.spec.name}`));
  }
  if (handlers.dispatch({ edge, proxy }, parsed.type, parsed.body) === 'unhandled') {
    edge.refuse(proxy, new ProtocolError('unknown-type', `unhandled client message ${parsed.spec.name}`));
  }
}
