import { randomBytes } from 'node:crypto';
import { DEFAULTS } from '../../config/deployment-schema.ts';
import { CLOSE_CODES, MSG, PROTOCOL_VERSION, entityIdShard, ownedCopy } from '../../protocol/index.ts';
import type { ClientConnection, ClientListenOptions } from '../../transport/index.ts';
import { createClientHandlers, handleClientMessage, type ClientEdge } from './client-input.ts';
import { createClientProxy, type ClientProxy } from './client-proxy.ts';
import { requestLimitsOf } from './client-requests.ts';
import { type GateState, proxyOf, refuse, schedule, sendToClient, shard } from './gate-state.ts';

/** A new boot entity for the client (GoWorld's boot_entity), placed by the dispatcher of its id. */
export function requestBootEntity(s: GateState, proxy: ClientProxy): void {
  const bootEntityId = s.opts.ids.next();
  proxy.bootEntityId = bootEntityId;
  s.opts.codec.encodeTo(shard(s, bootEntityId), MSG.NOTIFY_CLIENT_CONNECTED, { entityId: bootEntityId, clientId: proxy.clientId, gateId: s.opts.id });
  schedule(s);
}

/** The token this connection can resume with later, on this gate or any other (resume-token.ts). */
function issueResumeToken(s: GateState, proxy: ClientProxy): void {
  const tokens = s.opts.resumeTokens;
  if (tokens) sendToClient(s, proxy, s.opts.codec.encodeToClientMessage(MSG.RESUME_TOKEN, { token: tokens.issue(proxy.clientId) }));
}

/** A resume that cannot be: the client is told why, and gets a new boot entity as after HELLO. */
export function refuseResume(s: GateState, proxy: ClientProxy, reason: string): void {
  s.opts.metrics?.clientResumes('refused');
  sendToClient(s, proxy, s.opts.codec.encodeToClientMessage(MSG.RESUME_RESULT, { resumed: false, reason }));
  requestBootEntity(s, proxy);
}

/**
 * A client back with the token of an earlier connection: the entity it says it played is asked to take
 * this connection instead (CLIENT_RESUME, through that entity's dispatcher). Its game answers
 * RESUME_RESULT; a refusal there (or at the dispatcher) comes back here as refuseResume.
 */
function resumeClient(s: GateState, proxy: ClientProxy, token: Uint8Array, entityId: string): void {
  issueResumeToken(s, proxy);
  const previousClientId = s.opts.resumeTokens?.verify(token) ?? null;
  if (previousClientId === null) return refuseResume(s, proxy, 'the resume token is not valid');
  // A close before the answer must reach the entity's game, behind the resume on the same dispatcher.
  proxy.bootEntityId = entityId;
  proxy.awaitingResume = true;
  s.opts.codec.encodeTo(shard(s, entityId), MSG.CLIENT_RESUME, { entityId, previousClientId, clientId: proxy.clientId, gateId: s.opts.id });
  schedule(s);
}

/** Its player went with a lost game: the client hears LOST, forgets what it saw, and gets a new player. */
export function rebootClient(s: GateState, proxy: ClientProxy, reason: string): void {
  sendToClient(s, proxy, s.opts.codec.encodeToClientMessage(MSG.LOST, { reason }));
  proxy.ownerEntityId = null;
  requestBootEntity(s, proxy);
}

/** The client handlers' view of the gate: its limits, and how what passes the edge leaves it. */
export function createClientEdge(s: GateState): ClientEdge {
  const { codec, limits, metrics, ids } = s.opts;
  return {
    codec,
    metrics,
    rates: s.rates,
    argLimits: limits,
    welcome: codec.encodeToClientMessage(MSG.WELCOME, {
      protocolVersion: PROTOCOL_VERSION,
      heartbeatTimeoutMs: limits.heartbeatTimeoutMs,
      maxPayload: limits.maxPayload,
      maxMessagesPerSecond: limits.maxMessagesPerSecond,
      maxBytesPerSecond: limits.maxBytesPerSecond,
      maxArgDepth: limits.maxDepth,
      maxArgElements: limits.maxElements,
    }),
    refuse: (proxy, error) => refuse(s, proxy, error),
    answerError(proxy, code, message, limit) {
      metrics?.refused(limit);
      sendToClient(s, proxy, codec.encodeToClientMessage(MSG.ERROR, { code, message: message.slice(0, 200) }));
    },
    sendToClient: (proxy, message) => sendToClient(s, proxy, message),
    admitted(proxy) {
      issueResumeToken(s, proxy);
      requestBootEntity(s, proxy);
    },
    resume: (proxy, token, entityId) => resumeClient(s, proxy, token, entityId),
    forwardCall(_proxy, head, fields, entityId) {
      shard(s, entityId).sendParts(MSG.CALL_FROM_CLIENT.id, head, fields);
      schedule(s);
    },
    requestLimits: requestLimitsOf(limits),
    forwardRequest(_proxy, head, fields, entityId) {
      shard(s, entityId).sendParts(MSG.REQUEST_FROM_CLIENT.id, head, fields);
      schedule(s);
    },
    forwardPosition(_proxy, record, entityId) {
      s.positionBatches[entityIdShard(entityId, s.links.length)]!.push(ownedCopy(record));
      schedule(s);
    },
  };
}

function onOpen(s: GateState, connection: ClientConnection): void {
  if (s.run === 'stopping') return connection.close(CLOSE_CODES['server-shutdown'], 'gate is stopping');
  const clientId = randomBytes(12).toString('base64url');
  const proxy = createClientProxy(s.opts.id, clientId, connection, s.now(), s.rates);
  s.admission.opened(connection.remoteAddress);
  connection.userData = proxy;
  s.byClientId.set(clientId, proxy);
  s.opts.metrics?.setClients(s.byClientId.size);
  s.opts.log.debug({ clientId, remote: connection.remoteAddress }, 'client connected');
}

function onClose(s: GateState, connection: ClientConnection, code: number): void {
  const proxy = proxyOf(connection);
  if (!proxy) return;
  s.admission.closed(connection.remoteAddress);
  connection.userData = null;
  s.dirtyClients.delete(proxy);
  s.byClientId.delete(proxy.clientId);
  s.opts.metrics?.setClients(s.byClientId.size);
  // Before HELLO there is no entity anywhere to tell.
  const entityId = proxy.ownerEntityId ?? proxy.bootEntityId;
  if (s.run !== 'stopping' && s.links.length > 0 && entityId !== null) {
    const reason = disconnectReason(proxy, code);
    s.opts.codec.encodeTo(shard(s, entityId), MSG.NOTIFY_CLIENT_DISCONNECTED, { entityId, clientId: proxy.clientId, reason });
    schedule(s);
  }
  s.opts.log.debug({ clientId: proxy.clientId, code }, 'client disconnected');
}

/**
 * Why a client went, as its entity's game hears it: a kick or the client's own close (1000, or 1001 from
 * a browser leaving the page) end the binding at once; anything else may be a network blip, so the game
 * keeps the binding for resumeGraceMs in case the client comes back (SPEC.md §3.1). The gate's own 1001
 * (it stops) never gets here: a stopping gate tells no one, and its games hear GATE_DISCONNECTED.
 */
function disconnectReason(proxy: ClientProxy, code: number): 'kicked' | 'client-closed' | 'connection-lost' {
  if (proxy.kicked) return 'kicked';
  return code === CLOSE_CODES.normal || code === CLOSE_CODES['server-shutdown'] ? 'client-closed' : 'connection-lost';
}

/** At the descriptor cap every further upgrade is refused (503) and counted; the log line comes once. */
function logFdCapOnce<R>(s: GateState, refusal: R): R {
  if (s.fdCapLogged) return refusal;
  s.fdCapLogged = true;
  const { cap, fdLimit } = s.connectionCap;
  s.opts.log.warn(
    { cap, fdLimit: fdLimit.soft, fdReserve: s.opts.limits.fdReserve ?? DEFAULTS.gate.fdReserve },
    'connection cap reached (descriptor limit): refusing new connections with 503; raise LimitNOFILE / ulimit -n to serve more (logged once; counted as tsworld_refused_total{limit="connections-fd-cap"})',
  );
  return refusal;
}

/** The transport's handlers: admission at the upgrade, then each connection's messages through the edge. */
export function clientListenOptions(s: GateState): ClientListenOptions {
  const { opts } = s;
  const { limits, metrics } = opts;
  const edge = createClientEdge(s);
  const handlers = createClientHandlers(opts.codec);
  return {
    host: opts.host,
    port: opts.port,
    maxPayload: limits.maxPayload,
    // The gate enforces clientSendBufferBytes itself (gate-state.ts) and the transport's bound sits above
    // it, so the 4007 close frame still fits behind what is queued (over its bound, uWS drops it: 1006).
    maxBackpressure: 2 * limits.clientSendBufferBytes + limits.maxPayload,
    // The gate runs its own heartbeat check; the transport's idle timeout is only a backstop.
    idleTimeoutSec: Math.max(8, Math.ceil((limits.heartbeatTimeoutMs * 2) / 1000)),
    staticDir: opts.staticDir,
    admit(request) {
      const refusal = s.run === 'stopping' ? { status: 503 as const, limit: 'stopping', reason: 'gate is stopping' } : s.admission.admit(request, s.now());
      if (refusal === null) return null;
      metrics?.refused(refusal.limit);
      if (refusal.limit === 'connections-fd-cap') return logFdCapOnce(s, refusal);
      s.throttle.log('warn', `admit:${refusal.limit}`, { remote: request.remoteAddress, limit: refusal.limit }, `connection refused: ${refusal.reason}`);
      return refusal;
    },
    onOpen: (connection) => onOpen(s, connection),
    onMessage(connection, message) {
      const proxy = proxyOf(connection);
      if (proxy && !proxy.closing) handleClientMessage(edge, handlers, proxy, message, s.now());
    },
    onRefused(connection, fault) {
      metrics?.refused(fault);
      s.throttle.log('info', `refuse:${fault}`, { remote: connection.remoteAddress, fault }, 'client refused by the transport');
    },
    onClose: (connection, code) => onClose(s, connection, code),
    onDrain(connection) {
      // Positions held while it was slow go out once it has drained, even if nothing new comes for it.
      const proxy = proxyOf(connection);
      if (!proxy?.held?.size) return;
      s.dirtyClients.add(proxy);
      schedule(s);
    },
  };
}
