import { DEFAULTS } from '../../config/deployment-schema.ts';
import { MSG, ProtocolError } from '../../protocol/index.ts';
import { every } from '../../tick/clock.ts';
import { createLiveness, type Liveness } from '../shared/link-liveness.ts';
import { connectDispatchers, dispatcherOf } from './dispatcher-links.ts';
import { clientListenOptions } from './gate-clients.ts';
import type { GateServer, GateServerOptions } from './gate-options.ts';
import { createGateState, flush, refuse, schedule, sendToClient, type GateState } from './gate-state.ts';
import type { ClientProxy } from './client-proxy.ts';
import { expireRequests, requestLimitsOf } from './client-requests.ts';

export type { GateEdgeLimits, GateServer, GateServerOptions } from './gate-options.ts';

/** Heartbeats to the dispatchers; one that falls silent is dropped, and the lost-dispatcher path runs. */
function startGateLiveness(s: GateState): Liveness {
  const { opts } = s;
  const heartbeat = opts.codec.encode(MSG.LINK_HEARTBEAT, {});
  const liveness = createLiveness({
    ...(opts.liveness ?? DEFAULTS.liveness),
    clock: opts.runtime.clock,
    scheduler: opts.runtime.scheduler,
    beat(link) {
      link.send(MSG.LINK_HEARTBEAT.id, heartbeat);
      schedule(s);
    },
    onSuspect: (link, silentMs) =>
      opts.log.warn({ dispatcher: dispatcherOf(s, link), silentMs: Math.round(silentMs) }, 'dispatcher SUSPECT: no bytes for half the liveness timeout'),
    onDown(link, silentMs) {
      opts.log.error({ dispatcher: dispatcherOf(s, link), detectionMs: Math.round(silentMs) }, 'dispatcher silent past the liveness timeout: dropping its link');
      link.destroy();
    },
  });
  return liveness;
}

/** Heartbeat, handshake and request deadlines, and forgetting idle addresses. */
function checkDeadlines(s: GateState, requests: Parameters<typeof expireRequests>[0]): void {
  const { limits } = s.opts;
  const t = s.now();
  for (const proxy of s.byClientId.values()) {
    if (proxy.closing) continue;
    expireRequests(requests, proxy, t);
    if (proxy.phase === 'hello' && t - proxy.openedAt > limits.handshakeTimeoutMs) {
      refuse(s, proxy, new ProtocolError('handshake', `no HELLO within ${limits.handshakeTimeoutMs} ms`));
    } else if (t - proxy.lastSeen > limits.heartbeatTimeoutMs) {
      refuse(s, proxy, new ProtocolError('heartbeat-timeout', `nothing received for ${limits.heartbeatTimeoutMs} ms`));
    }
  }
  s.admission.sweep(t);
}

/**
 * A gate: admits WebSocket upgrades (address, rate, Origin), checks every client message at the edge
 * (rate, framing, handshake, shape, ownership) and forwards what passes byte for byte, and fans server
 * messages out to clients. It keeps no game state: only each connection's proxy. This function only
 * wires: state in gate-state.ts, client handling in gate-clients.ts and client-input.ts, dispatcher
 * frames in dispatcher-frames.ts.
 */
export async function startGateServer(opts: GateServerOptions): Promise<GateServer> {
  const s = createGateState(opts);
  const { limits, log } = opts;
  let cancelDeadlines: () => void = () => undefined;
  let liveness: Liveness | undefined;
  async function stop(): Promise<void> {
    if (s.run === 'stopping') return;
    s.run = 'stopping';
    cancelDeadlines();
    liveness?.stop();
    await s.server?.stop();
    flush(s);
    for (const link of s.links) link.close();
  }
  const fatal = (reason: string) => {
    log.fatal({ reason }, 'gate cannot go on; closing clients');
    void stop().then(() => opts.onFatal?.(reason));
  };
  // A dispatcher that goes away is waited for (dispatcher-links.ts); one gone past the bound is fatal.
  liveness = startGateLiveness(s);
  await connectDispatchers(s, liveness, fatal);
  const server = await opts.transport.listen(clientListenOptions(s));
  s.server = server;
  s.run = 'serving';
  const period = Math.max(100, Math.min(1000, Math.min(limits.heartbeatTimeoutMs, limits.handshakeTimeoutMs) / 4));
  const requests = { codec: opts.codec, metrics: opts.metrics, requestLimits: requestLimitsOf(limits), sendToClient: (p: ClientProxy, m: Uint8Array) => sendToClient(s, p, m) };
  cancelDeadlines = every(opts.runtime.scheduler, period, () => checkDeadlines(s, requests));
  // A wildcard bind is reachable on loopback; print an address a person can open.
  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  const url = `http://${shownHost}:${server.port}/`;
  const { cap, byDescriptors, fdLimit } = s.connectionCap;
  log.info({ url, transport: server.implementation, connectionCap: cap, fdLimit: fdLimit.soft, fdLimitSource: fdLimit.source, cappedByDescriptors: byDescriptors }, 'gate serving clients');
  return {
    port: server.port,
    url,
    get clientCount() {
      return s.byClientId.size;
    },
    stop,
  };
}
