import { CLIENT_ERROR_CODES, MSG, ProtocolError, checkClientRequest, type ArgLimits, type WireCodec } from '../../protocol/index.ts';
import { KEY_SIZE } from '../../protocol/routing-key.ts';
import type { Metrics } from '../../observability/index.ts';
import { DEFAULTS } from '../../config/deployment-schema.ts';
import { writeCallKey, type ClientProxy } from './client-proxy.ts';

/**
 * Request/response at the edge (SPEC.md §6.1, REQUEST_ENTITY_METHOD_FROM_CLIENT). The gate keeps each
 * client's open request ids with their deadlines, so every request gets exactly one RESPONSE: the
 * game's, or the gate's own when the client has too many open (TOO_MANY_REQUESTS) or none came in time
 * (TIMEOUT). A game's late answer to an id the gate already answered is dropped here.
 */
export interface RequestLimits {
  /** Open requests per client; one more is answered TOO_MANY_REQUESTS at once. */
  readonly maxPendingRequests: number;
  /** An open request the gate answers TIMEOUT after this long. */
  readonly requestTimeoutMs: number;
}

export function requestLimitsOf(limits: Partial<RequestLimits>): RequestLimits {
  return {
    maxPendingRequests: limits.maxPendingRequests ?? DEFAULTS.gate.maxPendingRequests,
    requestTimeoutMs: limits.requestTimeoutMs ?? DEFAULTS.gate.requestTimeoutMs,
  };
}

/** What the request handler needs of the gate. */
export interface RequestEdge {
  readonly codec: WireCodec;
  readonly metrics?: Metrics;
  readonly argLimits: ArgLimits;
  readonly requestLimits: RequestLimits;
  refuse(proxy: ClientProxy, error: ProtocolError): void;
  sendToClient(proxy: ClientProxy, message: Uint8Array): void;
  forwardRequest(proxy: ClientProxy, head: Uint8Array, fields: Uint8Array, entityId: string): void;
}

/** The gate's own RESPONSE: an error code, no value. */
function answer(edge: Pick<RequestEdge, 'codec' | 'sendToClient'>, proxy: ClientProxy, requestId: number, code: number, message: string): void {
  edge.sendToClient(proxy, edge.codec.encodeToClientMessage(MSG.RESPONSE, { requestId, code, message: message.slice(0, 200), value: null }));
}

/** The REQUEST_ENTITY_METHOD_FROM_CLIENT handler; `now` is when the message arrived. */
export function makeOnRequest(): (edge: RequestEdge, proxy: ClientProxy, body: Uint8Array, now: number) => void {
  const scratch = new Uint8Array(KEY_SIZE.entityGateClient);
  return (edge, proxy, body, now) => {
    const request = checkClientRequest(body, edge.argLimits);
    if (request.kind === 'close') return edge.refuse(proxy, request.error);
    const { requestId } = request;
    if (proxy.requests?.has(requestId)) {
      edge.metrics?.refused('request-id-in-use');
      return answer(edge, proxy, requestId, CLIENT_ERROR_CODES.INVALID_ARGUMENT, `request id ${requestId} is already open`);
    }
    if (request.kind === 'refuse') {
      edge.metrics?.refused(`arg-${request.fault}`);
      return answer(edge, proxy, requestId, CLIENT_ERROR_CODES.INVALID_ARGUMENT, `${request.method}: ${request.reason}`);
    }
    const { maxPendingRequests, requestTimeoutMs } = edge.requestLimits;
    if ((proxy.requests?.size ?? 0) >= maxPendingRequests) {
      edge.metrics?.refused('pending-requests');
      return answer(edge, proxy, requestId, CLIENT_ERROR_CODES.TOO_MANY_REQUESTS, `more than ${maxPendingRequests} requests open`);
    }
    (proxy.requests ??= new Map()).set(requestId, now + requestTimeoutMs);
    edge.forwardRequest(proxy, writeCallKey(scratch, body, proxy), request.fields, request.entityId);
  };
}

/** Open requests past their deadline are answered TIMEOUT and forgotten (checked with the heartbeats). */
export function expireRequests(edge: Pick<RequestEdge, 'codec' | 'metrics' | 'requestLimits' | 'sendToClient'>, proxy: ClientProxy, now: number): void {
  const open = proxy.requests;
  if (!open || open.size === 0) return;
  for (const [requestId, deadline] of open) {
    if (deadline > now) continue;
    open.delete(requestId);
    edge.metrics?.refused('request-timeout');
    answer(edge, proxy, requestId, CLIENT_ERROR_CODES.TIMEOUT, `no answer within ${edge.requestLimits.requestTimeoutMs} ms`);
  }
}

/**
 * A RESPONSE from a dispatcher (the game's answer, or a dispatcher's refusal): relayed only while its
 * request is open. Returns whether to relay it.
 */
export function closeRequest(codec: WireCodec, proxy: ClientProxy, body: Uint8Array): boolean {
  const m = codec.decode(MSG.RESPONSE, body);
  if (m instanceof ProtocolError) return false;
  return proxy.requests?.delete(m.requestId) ?? false;
}
