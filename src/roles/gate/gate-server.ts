import { randomBytes } from 'node:crypto';
import type { Logger, Metrics } from '../../observability/index.ts';
import type { EntityIdGenerator } from '../../core/entity-id.ts';
import {
  CLIENT_ERROR_CODES,
  CLOSE_CODES,
  concatClientPositions,
  FILTER_OPS,
  MSG,
  ProtocolError,
  decodeClientPosition,
  entityIdShard,
  messageSpec,
  parseClientMessage,
  readGateClientKey,
  toClientMessageInPlace,
  type WireCodec,
} from '../../protocol/index.ts';
import {
  connectLink,
  type ClientConnection,
  type ClientServer,
  type ClientTransport,
  type Link,
} from '../../transport/index.ts';
import { createClientProxy, filterMatches, takeToken, type ClientProxy } from './client-proxy.ts';

export interface GateServerOptions {
  id: number;
  host: string;
  port: number;
  dispatchers: readonly { host: string; port: number }[];
  transport: ClientTransport;
  codec: WireCodec;
  log: Logger;
  ids: EntityIdGenerator;
  maxPayload: number;
  heartbeatTimeoutMs: number;
  maxMessagesPerSecond: number;
  staticDir?: string;
  metrics?: Metrics;
  now?: () => number;
}

export interface GateServer {
  readonly port: number;
  readonly url: string;
  readonly clientCount: number;
  stop(): Promise<void>;
}

/**
 * A gate: terminates client WebSockets, checks every client message at the edge (shape, size, type,
 * rate, ownership), forwards what passes to the dispatchers, and fans server messages out to clients.
 * It keeps no game state: only each connection's proxy (ids, owner entity, filter props).
 */
export async function startGateServer(opts: GateServerOptions): Promise<GateServer> {
  const { codec, log } = opts;
  const now = opts.now ?? Date.now;
  const byConnection = new Map<ClientConnection, ClientProxy>();
  const byClientId = new Map<string, ClientProxy>();
  const links: Link[] = [];
  const positionBatches: Uint8Array[][] = [];
  const dirtyClients = new Set<ClientProxy>();
  // Bytes: four maximum-size messages a second sustained, which no legitimate client comes near.
  const limits = { messagesPerSec: opts.maxMessagesPerSecond, bytesPerSec: opts.maxPayload * 4 };
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

  function refuse(proxy: ClientProxy, error: ProtocolError): void {
    log.info({ clientId: proxy.clientId, fault: error.fault }, `client refused: ${error.message}`);
    proxy.connection.close(error.closeCode, error.message.slice(0, 120));
  }

  /** A semantic refusal the client can recover from: answered with ERROR, the connection stays. */
  function answerError(proxy: ClientProxy, code: number, message: string): void {
    sendToClient(proxy, codec.encodeToClientMessage(MSG.ERROR, { code, message }));
  }

  /**
   * Queues a message for a client; `flush` sends each client's queue under one cork at the end of the
   * event-loop turn (measured 5–20× faster than a send per message with uWS). `message` must be owned:
   * views into a link's read buffer are copied by the caller.
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
    if (dropped) connection.close(CLOSE_CODES.backpressure, 'client too slow: send buffer full');
  }

  function onClientMessage(proxy: ClientProxy, message: Uint8Array): void {
    const t = now();
    proxy.lastSeen = t;
    opts.metrics?.messagesIn('client');
    if (!takeToken(proxy, t, limits, message.length)) {
      return refuse(
        proxy,
        new ProtocolError('rate-limit', `more than ${limits.messagesPerSec} messages or ${limits.bytesPerSec} bytes per second`),
      );
    }
    const parsed = parseClientMessage(message);
    if (parsed instanceof ProtocolError) return refuse(proxy, parsed);
    switch (parsed.type) {
      case MSG.HEARTBEAT.id:
        if (parsed.body.length !== 0) refuse(proxy, new ProtocolError('bad-body', 'heartbeat has no body'));
        return;
      case MSG.CALL_ENTITY_METHOD_FROM_CLIENT.id: {
        const call = codec.decode(MSG.CALL_ENTITY_METHOD_FROM_CLIENT, parsed.body);
        if (call instanceof ProtocolError) return refuse(proxy, call);
        // Re-keyed with the caller's client id; the msgpack part is forwarded without re-encoding.
        codec.encodeTo(shard(call.entityId), MSG.CALL_FROM_CLIENT, { ...call, clientId: proxy.clientId });
        schedule();
        return;
      }
      case MSG.SYNC_POSITION_FROM_CLIENT.id: {
        const pos = decodeClientPosition(parsed.body);
        if (pos instanceof ProtocolError) return refuse(proxy, pos);
        if (pos.entityId !== proxy.ownerEntityId) {
          return answerError(proxy, CLIENT_ERROR_CODES.PERMISSION_DENIED, `position sync refused: ${pos.entityId} is not your entity`);
        }
        positionBatches[entityIdShard(pos.entityId, links.length)].push(parsed.body.slice());
        schedule();
        return;
      }
      default:
        return refuse(proxy, new ProtocolError('unknown-type', `unhandled client message ${parsed.spec.name}`));
    }
  }

  function onOpen(connection: ClientConnection): void {
    if (stopping) return connection.close(CLOSE_CODES['server-shutdown'], 'gate is stopping');
    const clientId = randomBytes(12).toString('base64url');
    const bootEntityId = opts.ids.next();
    const proxy = createClientProxy(clientId, connection, bootEntityId, now(), limits);
    byConnection.set(connection, proxy);
    byClientId.set(clientId, proxy);
    opts.metrics?.setClients(byConnection.size);
    codec.encodeTo(shard(bootEntityId), MSG.NOTIFY_CLIENT_CONNECTED, { entityId: bootEntityId, clientId, gateId: opts.id });
    schedule();
    log.debug({ clientId, remote: connection.remoteAddress }, 'client connected');
  }

  function onClose(connection: ClientConnection, code: number): void {
    const proxy = byConnection.get(connection);
    if (!proxy) return;
    byConnection.delete(connection);
    dirtyClients.delete(proxy);
    byClientId.delete(proxy.clientId);
    opts.metrics?.setClients(byConnection.size);
    const entityId = proxy.ownerEntityId ?? proxy.bootEntityId;
    if (!stopping && links.length > 0) {
      codec.encodeTo(shard(entityId), MSG.NOTIFY_CLIENT_DISCONNECTED, { entityId, clientId: proxy.clientId });
      schedule();
    }
    log.debug({ clientId: proxy.clientId, code }, 'client disconnected');
  }

  /** Frames from a dispatcher: to-client messages are relayed, gate messages handled here. */
  function onDispatcherFrame(type: number, body: Uint8Array): void {
    const spec = messageSpec(type);
    if (spec === undefined) return log.warn({ type }, 'unknown frame from dispatcher');
    if (spec.route === 'toClient') {
      const proxy = byClientId.get(readGateClientKey(body));
      if (!proxy) return; // the client left while the frame was in flight
      if (type === MSG.CREATE_ENTITY_ON_CLIENT.id || type === MSG.DESTROY_ENTITY_ON_CLIENT.id) trackOwner(proxy, type, body);
      opts.metrics?.messagesOut('client');
      // In place, then copied: the body is a view into the link's read buffer, reused after this call.
      sendToClient(proxy, toClientMessageInPlace(type, body).slice());
      return;
    }
    switch (type) {
      case MSG.FILTERED_CALL.id: {
        const m = codec.decode(MSG.FILTERED_CALL, body);
        if (m instanceof ProtocolError) return log.error({ err: m }, 'bad FILTERED_CALL');
        const op = FILTER_OPS[m.op];
        for (const proxy of byClientId.values()) {
          if (!proxy.ownerEntityId || !filterMatches(proxy, m.key, op, m.value)) continue;
          sendToClient(proxy, codec.encodeToClientMessage(MSG.CALL_ENTITY_METHOD_ON_CLIENT, {
            entityId: proxy.ownerEntityId,
            method: m.method,
            args: m.args,
          }));
        }
        return;
      }
      case MSG.SET_CLIENT_FILTER_PROP.id: {
        const m = codec.decode(MSG.SET_CLIENT_FILTER_PROP, body);
        if (m instanceof ProtocolError) return log.error({ err: m }, 'bad SET_CLIENT_FILTER_PROP');
        byClientId.get(m.clientId)?.filterProps.set(m.key, m.value);
        return;
      }
      case MSG.CLEAR_CLIENT_FILTER_PROPS.id:
        byClientId.get(readGateClientKey(body))?.filterProps.clear();
        return;
      case MSG.KICK_CLIENT.id: {
        const m = codec.decode(MSG.KICK_CLIENT, body);
        if (m instanceof ProtocolError) return log.error({ err: m }, 'bad KICK_CLIENT');
        byClientId.get(m.clientId)?.connection.close(m.code, m.reason);
        return;
      }
      case MSG.HANDSHAKE_ACK.id:
      case MSG.DEPLOYMENT_READY.id:
        return;
      default:
        log.warn({ msg: spec.name }, 'gate cannot handle this frame');
    }
  }

  /** The gate learns which entity a client plays from the server's own create/destroy messages. */
  function trackOwner(proxy: ClientProxy, type: number, body: Uint8Array): void {
    if (type === MSG.CREATE_ENTITY_ON_CLIENT.id) {
      const m = codec.decode(MSG.CREATE_ENTITY_ON_CLIENT, body);
      if (!(m instanceof ProtocolError) && m.isPlayer) proxy.ownerEntityId = m.entityId;
    } else {
      const m = codec.decode(MSG.DESTROY_ENTITY_ON_CLIENT, body);
      if (!(m instanceof ProtocolError) && m.entityId === proxy.ownerEntityId) proxy.ownerEntityId = null;
    }
  }

  let deploymentReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (deploymentReady = resolve));
  await Promise.all(
    opts.dispatchers.map(async (d, i) => {
      positionBatches[i] = [];
      const link = await connectLink({
        host: d.host,
        port: d.port,
        onFrame(type, body) {
          if (type === MSG.DEPLOYMENT_READY.id) deploymentReady();
          onDispatcherFrame(type, body);
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

  const server: ClientServer = await opts.transport.listen({
    host: opts.host,
    port: opts.port,
    maxPayload: opts.maxPayload,
    // The gate runs its own heartbeat check (below); the transport's idle timeout is only a backstop.
    idleTimeoutSec: Math.max(8, Math.ceil((opts.heartbeatTimeoutMs * 2) / 1000)),
    staticDir: opts.staticDir,
    onOpen,
    onMessage(connection, message) {
      const proxy = byConnection.get(connection);
      if (proxy) onClientMessage(proxy, message);
    },
    onClose,
  });

  const heartbeat = setInterval(() => {
    const cutoff = now() - opts.heartbeatTimeoutMs;
    for (const proxy of byConnection.values()) {
      if (proxy.lastSeen < cutoff) {
        refuse(proxy, new ProtocolError('heartbeat-timeout', `nothing received for ${opts.heartbeatTimeoutMs} ms`));
      }
    }
  }, Math.max(100, Math.min(1000, opts.heartbeatTimeoutMs / 4)));

  async function stop(): Promise<void> {
    if (stopping) return;
    stopping = true;
    clearInterval(heartbeat);
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
