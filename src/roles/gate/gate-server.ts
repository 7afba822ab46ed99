import { DEFAULTS } from '../../config/deployment-schema.ts';
import { connectAuthenticated, linkAuthOptions } from '../shared/link-auth.ts';
import { MSG, ProtocolError } from '../../protocol/index.ts';
import { every } from '../../tick/clock.ts';
import { createLiveness, type Liveness } from '../shared/link-liveness.ts';
import { linkPressureOptions, trackLinkGauges } from '../shared/link-pressure.ts';
import { gateFrameTable, handleDispatcherFrame, type GateRelay } from './dispatcher-frames.ts';
import { clientListenOptions, rebootClient } from './gate-clients.ts';
import type { GateServer, GateServerOptions } from './gate-options.ts';
import { createLinkPositions } from './link-positions.ts';
import { closeClient, createGateState, degradedPositionInterval, flush, refuse, schedule, sendToClient, type GateState } from './gate-state.ts';

export type { GateEdgeLimits, GateServer, GateServerOptions } from './gate-options.ts';

/** Links to every dispatcher; resolves once the deployment is ready (so no boot entity is lost). */
async function connectDispatchers(s: GateState, onLost: (dispatcher: number, why: string) => void, fatal: (reason: string) => void): Promise<void> {
  const { opts } = s;
  const relay: GateRelay = {
    codec: opts.codec,
    log: opts.log,
    metrics: opts.metrics,
    byClientId: s.byClientId,
    sendToClient: (proxy, message) => sendToClient(s, proxy, message),
    close: (proxy, code, reason) => closeClient(s, proxy, code, reason),
    fatal,
    reboot: (proxy, reason) => rebootClient(s, proxy, reason),
  };
  const table = gateFrameTable(opts.codec);
  const pressure = linkPressureOptions(
    { log: opts.log, metrics: opts.metrics, now: s.now, limits: opts.links },
    (link) => `dispatcher-${s.links.indexOf(link) + 1}`,
  );
  let deploymentReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (deploymentReady = resolve));
  await Promise.all(
    opts.dispatchers.map(async (d, i) => {
      s.positionBatches[i] = createLinkPositions(degradedPositionInterval(s));
      const link = await connectAuthenticated(opts.runtime.net, {
        ...linkAuthOptions(opts),
        host: d.host,
        port: d.port,
        onFrame(type, body) {
          if (type === MSG.DEPLOYMENT_READY.id) deploymentReady();
          handleDispatcherFrame(relay, table, type, body);
          schedule(s);
        },
        ...pressure,
        onError: (err) => opts.log.warn({ err, dispatcher: i + 1 }, 'dispatcher link error'),
        // The hard backlog bound (links.maxPendingBytes) ends up here too: the fatal line names it.
        onClose: (_link, err) => s.run !== 'stopping' && onLost(i + 1, err ? `: ${err.message}` : ''),
      });
      s.links[i] = link;
      trackLinkGauges(opts.metrics, link, () => `dispatcher-${i + 1}`);
      opts.codec.encodeTo(link, MSG.SET_GATE_ID, { gateId: opts.id });
      link.flush();
    }),
  );
  await ready;
}

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
      opts.log.warn({ dispatcher: s.links.indexOf(link) + 1, silentMs: Math.round(silentMs) }, 'dispatcher SUSPECT: no bytes for half the liveness timeout'),
    onDown(link, silentMs) {
      opts.log.error({ dispatcher: s.links.indexOf(link) + 1, detectionMs: Math.round(silentMs) }, 'dispatcher silent past the liveness timeout: dropping its link');
      link.destroy();
    },
  });
  for (const link of s.links) liveness.watch(link);
  return liveness;
}

/** Heartbeat and handshake deadlines, and forgetting idle addresses. */
function checkDeadlines(s: GateState): void {
  const { limits } = s.opts;
  const t = s.now();
  for (const proxy of s.byConnection.values()) {
    if (proxy.closing) continue;
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
  // Without its dispatcher a gate cannot serve anyone (GoWorld's gates exit too); clients reconnect.
  await connectDispatchers(s, (dispatcher, why) => fatal(`lost dispatcher ${dispatcher}${why}`), fatal);
  liveness = startGateLiveness(s);
  const server = await opts.transport.listen(clientListenOptions(s));
  s.server = server;
  s.run = 'serving';
  const period = Math.max(100, Math.min(1000, Math.min(limits.heartbeatTimeoutMs, limits.handshakeTimeoutMs) / 4));
  cancelDeadlines = every(opts.runtime.scheduler, period, () => checkDeadlines(s));
  // A wildcard bind is reachable on loopback; print an address a person can open.
  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  const url = `http://${shownHost}:${server.port}/`;
  const { cap, byDescriptors, fdLimit } = s.connectionCap;
  log.info({ url, transport: server.implementation, connectionCap: cap, fdLimit: fdLimit.soft, fdLimitSource: fdLimit.source, cappedByDescriptors: byDescriptors }, 'gate serving clients');
  return {
    port: server.port,
    url,
    get clientCount() {
      return s.byConnection.size;
    },
    stop,
  };
}
