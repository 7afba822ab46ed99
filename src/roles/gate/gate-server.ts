import { randomBytes } from 'node:crypto';
import { createLogThrottle, type Logger, type Metrics } from '../../observability/index.ts';
import type { EntityIdGenerator } from '../../core/entity-id.ts';
import {
  CLOSE_CODES,
  MSG,
  PROTOCOL_VERSION,
  ProtocolError,
  concatClientPositions,
  entityIdShard,
  type ArgLimits,
  type WireCodec,
} from '../../protocol/index.ts';
import { every } from '../../tick/clock.ts';
import type { RoleRuntime } from '../shared/runtime.ts';
import {
  type ClientConnection,
  type ClientServer,
  type ClientTransport,
  type Link,
} from '../../transport/index.ts';
import { createAdmission, type AdmissionLimits } from './admission.ts';
import { createClientHandlers, handleClientMessage, type ClientEdge } from './client-input.ts';
import { createClientProxy, type ClientProxy } from './client-proxy.ts';
import { gateFrameTable, handleDispatcherFrame, type GateRelay } from './dispatcher-frames.ts';

/** Every limit the gate enforces on clients; each has a config key and a default (src/config/README.md). */
export interface GateEdgeLimits extends AdmissionLimits, ArgLimits {
  readonly maxPayload: number;
  readonly heartbeatTimeoutMs: number;
  readonly maxMessagesPerSecond: number;
  readonly maxBytesPerSecond: number;
  /** A connection that has not sent HELLO within this is closed (4009); it never had game state. */
  readonly handshakeTimeoutMs: number;
  /** Bytes queued for one client before it is dropped as too slow (4007). */
  readonly clientSendBufferBytes: number;
}

export interface GateServerOptions {
  id: number;
  host: string;
  port: number;
  dispatchers: readonly { host: string; port: number }[];
  transport: ClientTransport;
  codec: WireCodec;
  log: Logger;
  ids: EntityIdGenerator;
  limits: GateEdgeLimits;
  staticDir?: string;
  metrics?: Metrics;
  /** Clock, timers and link network (systemRuntime() in a process, a fake one in createTestCluster). */
  runtime: RoleRuntime;
}

export interface GateServer {
  readonly port: number;
  readonly url: string;
  readonly clientCount: number;
  stop(): Promise<void>;
}

/**
 * A gate: admits WebSocket upgrades (address, rate, Origin), checks every client message at the edge
 * (rate, framing, handshake, shape, ownership) and forwards what passes byte for byte, and fans server
 * messages out to clients. It keeps no game state: only each connection's proxy.
 */
export async function startGateServer(opts: GateServerOptions): Promise<GateServer> {
  const { codec, log, limits } = opts;
  const { clock, scheduler, net } = opts.runtime;
  const now = () => clock.now();
  const byConnection = new Map<ClientConnection, ClientProxy>();
  const byClientId = new Map<string, ClientProxy>();
  const links: Link[] = [];
  const positionBatches: Uint8Array[][] = [];
  const dirtyClients = new Set<ClientProxy>();
  const rates = { messagesPerSec: limits.maxMessagesPerSecond, bytesPerSec: limits.maxBytesPerSecond };
  const admission = createAdmission(limits);
  const throttle = createLogThrottle({ log, now });
  const handlers = createClientHandlers(codec);
  let flushScheduled = false;
  let stopping = false;

  function schedule(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  }

  /** One write per dispatcher per event-loop turn: client positions are merged into one split batch. */
  function flush(): void {
    flushScheduled = false;
    for (const proxy of dirtyClients) flushClient(proxy);
    dirtyClients.clear();
    links.forEach((link, i) => {
      const records = positionBatches[i];
      if (records.length > 0) {
        link.send(MSG.SYNC_POSITIONS_FROM_CLIENTS.id, concatClientPositions(records));
        records.length = 0;
      }
      link.flush();
    });
  }

  const shard = (entityId: string): Link => links[entityIdShard(entityId, links.length)];

  /**
   * Queues a message for a client; `flush` sends each client's queue under one cork at the end of the
   * event-loop turn (measured 5–20× faster than a send per message with uWS). `message` must be owned.
   */
  function sendToClient(proxy: ClientProxy, message: Uint8Array): void {
    proxy.outbox.push(message);
    dirtyClients.add(proxy);
    schedule();
  }

  function flushClient(proxy: ClientProxy): void {
    const { connection, outbox } = proxy;
    if (connection.closed) {
      outbox.length = 0;
      return;
    }
    let dropped = false;
    connection.cork(() => {
      for (const message of outbox) {
        if (connection.send(message) === 'dropped') {
          dropped = true;
          break;
        }
      }
    });
    outbox.length = 0;
    // A client that cannot keep up is disconnected, never silently skipped: it would desync.
    if (dropped) refuse(proxy, new ProtocolError('backpressure', 'client too slow: send buffer full'));
  }

  function refuse(proxy: ClientProxy, error: ProtocolError): void {
    opts.metrics?.refused(error.fault);
    throttle.log('info', `refuse:${error.fault}`, { clientId: proxy.clientId, fault: error.fault }, `client refused: ${error.message}`);
    proxy.connection.close(error.closeCode, error.message.slice(0, 120));
  }

  const edge: ClientEdge = {
    codec,
    metrics: opts.metrics,
    rates,
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
    refuse,
    answerError(proxy, code, message, limit) {
      opts.metrics?.refused(limit);
      sendToClient(proxy, codec.encodeToClientMessage(MSG.ERROR, { code, message: message.slice(0, 200) }));
    },
    sendToClient,
    admitted(proxy) {
      const bootEntityId = opts.ids.next();
      proxy.bootEntityId = bootEntityId;
      codec.encodeTo(shard(bootEntityId), MSG.NOTIFY_CLIENT_CONNECTED, { entityId: bootEntityId, clientId: proxy.clientId, gateId: opts.id });
      schedule();
    },
    forwardCall(_proxy, head, fields, entityId) {
      shard(entityId).sendParts(MSG.CALL_FROM_CLIENT.id, head, fields);
      schedule();
    },
    forwardPosition(_proxy, record, entityId) {
      positionBatches[entityIdShard(entityId, links.length)].push(record.slice());
      schedule();
    },
  };

  const relay: GateRelay = { codec, log, metrics: opts.metrics, byClientId, sendToClient };
  const frameTable = gateFrameTable(codec);

  function onOpen(connection: ClientConnection): void {
    if (stopping) return connection.close(CLOSE_CODES['server-shutdown'], 'gate is stopping');
    const clientId = randomBytes(12).toString('base64url');
    const proxy = createClientProxy(opts.id, clientId, connection, now(), rates);
    admission.opened(connection.remoteAddress);
    byConnection.set(connection, proxy);
    byClientId.set(clientId, proxy);
    opts.metrics?.setClients(byConnection.size);
    log.debug({ clientId, remote: connection.remoteAddress }, 'client connected');
  }

  function onClose(connection: ClientConnection, code: number): void {
    const proxy = byConnection.get(connection);
    if (!proxy) return;
    admission.closed(connection.remoteAddress);
    byConnection.delete(connection);
    dirtyClients.delete(proxy);
    byClientId.delete(proxy.clientId);
    opts.metrics?.setClients(byConnection.size);
    // Before HELLO there is no entity anywhere to tell.
    const entityId = proxy.ownerEntityId ?? proxy.bootEntityId;
    if (!stopping && links.length > 0 && entityId !== null) {
      codec.encodeTo(shard(entityId), MSG.NOTIFY_CLIENT_DISCONNECTED, { entityId, clientId: proxy.clientId });
      schedule();
    }
    log.debug({ clientId: proxy.clientId, code }, 'client disconnected');
  }

  await connectDispatchers();
  const server: ClientServer = await opts.transport.listen({
    host: opts.host,
    port: opts.port,
    maxPayload: limits.maxPayload,
    maxBackpressure: limits.clientSendBufferBytes,
    // The gate runs its own heartbeat check (below); the transport's idle timeout is only a backstop.
    idleTimeoutSec: Math.max(8, Math.ceil((limits.heartbeatTimeoutMs * 2) / 1000)),
    staticDir: opts.staticDir,
    admit(request) {
      const refusal = stopping ? { status: 503 as const, limit: 'stopping', reason: 'gate is stopping' } : admission.admit(request, now());
      if (refusal === null) return null;
      opts.metrics?.refused(refusal.limit);
      throttle.log('warn', `admit:${refusal.limit}`, { remote: request.remoteAddress, limit: refusal.limit }, `connection refused: ${refusal.reason}`);
      return refusal;
    },
    onOpen,
    onMessage(connection, message) {
      const proxy = byConnection.get(connection);
      if (proxy) handleClientMessage(edge, handlers, proxy, message, now());
    },
    onRefused(connection, fault) {
      opts.metrics?.refused(fault);
      throttle.log('info', `refuse:${fault}`, { remote: connection.remoteAddress, fault }, 'client refused by the transport');
    },
    onClose,
  });

  /** Heartbeat and handshake deadlines, and forgetting idle addresses. */
  const cancelDeadlines = every(scheduler, Math.max(100, Math.min(1000, Math.min(limits.heartbeatTimeoutMs, limits.handshakeTimeoutMs) / 4)), () => {
    const t = now();
    for (const proxy of byConnection.values()) {
      if (proxy.phase === 'hello' && t - proxy.openedAt > limits.handshakeTimeoutMs) {
        refuse(proxy, new ProtocolError('handshake', `no HELLO within ${limits.handshakeTimeoutMs} ms`));
      } else if (t - proxy.lastSeen > limits.heartbeatTimeoutMs) {
        refuse(proxy, new ProtocolError('heartbeat-timeout', `nothing received for ${limits.heartbeatTimeoutMs} ms`));
      }
    }
    admission.sweep(t);
  });

  async function connectDispatchers(): Promise<void> {
    let deploymentReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => (deploymentReady = resolve));
    await Promise.all(
      opts.dispatchers.map(async (d, i) => {
        positionBatches[i] = [];
        const link = await net.connect({
          host: d.host,
          port: d.port,
          onFrame(type, body) {
            if (type === MSG.DEPLOYMENT_READY.id) deploymentReady();
            handleDispatcherFrame(relay, frameTable, type, body);
            schedule();
          },
          onError: (err) => log.warn({ err, dispatcher: i + 1 }, 'dispatcher link error'),
          onClose() {
            if (stopping) return;
            // Without its dispatcher a gate cannot serve anyone (GoWorld's gates exit too); clients reconnect.
            log.error({ dispatcher: i + 1 }, 'lost the dispatcher; closing clients and exiting');
            void stop().then(() => process.exit(1));
          },
        });
        links[i] = link;
        codec.encodeTo(link, MSG.SET_GATE_ID, { gateId: opts.id });
        link.flush();
      }),
    );
    // Clients are accepted only once every game the deployment expects is up, so no boot entity is lost.
    await ready;
  }

  async function stop(): Promise<void> {
    if (stopping) return;
    stopping = true;
    cancelDeadlines();
    await server.stop();
    flush();
    for (const link of links) link.close();
  }

  // A wildcard bind is reachable on loopback; print an address a person can open.
  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  const url = `http://${shownHost}:${server.port}/`;
  log.info({ url, transport: server.implementation }, 'gate serving clients');
  return {
    port: server.port,
    url,
    get clientCount() {
      return byConnection.size;
    },
    stop,
  };
}
