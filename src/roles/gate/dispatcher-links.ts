import { DEFAULTS } from '../../config/deployment-schema.ts';
import { MSG } from '../../protocol/index.ts';
import { createParkingLink, type Link, type ParkingLink } from '../../transport/index.ts';
import { connectAuthenticated, linkAuthOptions } from '../shared/link-auth.ts';
import type { Liveness } from '../shared/link-liveness.ts';
import { linkPressureOptions, trackLinkGauges } from '../shared/link-pressure.ts';
import { gateFrameTable, handleDispatcherFrame, type GateRelay } from './dispatcher-frames.ts';
import { rebootClient, requestBootEntity } from './gate-clients.ts';
import { closeClient, degradedPositionInterval, holdForClient, schedule, sendToClient, type GateState } from './gate-state.ts';
import { createLinkPositions } from './link-positions.ts';

/** Streams that supersede themselves: never parked for a missing dispatcher. */
const STREAMS: ReadonlySet<number> = new Set([MSG.SYNC_POSITIONS_FROM_CLIENTS.id]);

/** Which dispatcher (1-based) a real link goes to; 0 when it is none of them any more. */
export function dispatcherOf(s: GateState, link: Link): number {
  return (s.links as ParkingLink[]).findIndex((p) => p === link || p.attached === link) + 1;
}

interface Wiring {
  readonly relay: GateRelay;
  readonly liveness: Liveness;
  readonly fatal: (reason: string) => void;
  readonly deploymentReady: () => void;
}

/**
 * Links to every dispatcher, each a ParkingLink: when a dispatcher goes away (the supervisor restarts
 * it), client traffic for its shard is parked, bounded, while the gate reconnects with backoff, and its
 * clients stay connected. A dispatcher gone past the bound is given up: the gate closes its clients
 * and exits, as it did before reconnects. Resolves once the deployment is ready (no boot entity lost).
 */
export async function connectDispatchers(s: GateState, liveness: Liveness, fatal: (reason: string) => void): Promise<void> {
  const { opts } = s;
  const relay: GateRelay = {
    codec: opts.codec, log: opts.log, metrics: opts.metrics, byClientId: s.byClientId, fatal,
    sendToClient: (proxy, message) => sendToClient(s, proxy, message),
    holdForClient: (proxy, message) => holdForClient(s, proxy, message),
    close: (proxy, code, reason) => closeClient(s, proxy, code, reason),
    reboot: (proxy, reason) => rebootClient(s, proxy, reason),
    resumeRefused(proxy) {
      s.opts.metrics?.clientResumes('refused');
      requestBootEntity(s, proxy);
    },
  };
  let deploymentReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (deploymentReady = resolve));
  const wiring: Wiring = { relay, liveness, fatal, deploymentReady };
  const { reconnectQueueMaxBytes: maxBytes, reconnectQueueMaxMs: maxMs } = { ...DEFAULTS.links, ...opts.reconnectQueue };
  await Promise.all(
    opts.dispatchers.map(async (_d, i) => {
      s.positionBatches[i] = createLinkPositions(degradedPositionInterval(s), s.opts.limits.positionFlushIntervalMs ?? DEFAULTS.gate.positionFlushIntervalMs);
      s.links[i] = createParkingLink({
        maxBytes, maxMs, now: s.now,
        isStream: (type) => STREAMS.has(type),
        onStreamDropped: () => opts.metrics?.streamRecords('dropped'),
        onOverflow: (why) => fatal(`lost dispatcher ${i + 1}: ${why}`),
      });
      await connectOne(s, i, wiring);
    }),
  );
  await ready;
}

async function connectOne(s: GateState, i: number, w: Wiring): Promise<void> {
  const { opts } = s;
  const d = opts.dispatchers[i]!;
  const parking = s.links[i] as ParkingLink;
  const table = gateFrameTable(opts.codec);
  const pressure = linkPressureOptions({ log: opts.log, metrics: opts.metrics, now: s.now, limits: opts.links }, () => `dispatcher-${i + 1}`);
  // A reconnect brings a new link: the closed one must stop reporting under the same peer label.
  let untrackGauges: () => void = () => undefined;
  const link = await connectAuthenticated(opts.runtime.net, {
    ...linkAuthOptions(opts),
    host: d.host,
    port: d.port,
    onFrame(type, body) {
      if (type === MSG.DEPLOYMENT_READY.id) w.deploymentReady();
      handleDispatcherFrame(w.relay, table, type, body);
      schedule(s);
    },
    ...pressure,
    onError: (err) => opts.log.warn({ err, dispatcher: i + 1 }, 'dispatcher link error'),
    onClose(closed, err) {
      untrackGauges();
      onLost(s, i, w, closed, err);
    },
  });
  untrackGauges = trackLinkGauges(opts.metrics, link, () => `dispatcher-${i + 1}`);
  w.liveness.watch(link);
  opts.codec.encodeTo(link, MSG.SET_GATE_ID, { gateId: opts.id });
  parking.attach(link);
  link.flush();
}

function onLost(s: GateState, i: number, w: Wiring, closed: Link, err: Error | null): void {
  const parking = s.links[i] as ParkingLink;
  if (parking.attached !== closed) return;
  parking.detach();
  if (s.run === 'stopping') return;
  s.opts.log.error({ err, dispatcher: i + 1 }, 'lost the dispatcher; parking its clients\' traffic and reconnecting');
  void reconnect(s, i, w, parking);
}

async function reconnect(s: GateState, i: number, w: Wiring, parking: ParkingLink): Promise<void> {
  const t0 = s.now();
  for (let attempt = 0; !parking.closed && !parking.attached; attempt++) {
    await new Promise((resolve) => s.opts.runtime.scheduler.schedule(() => resolve(undefined), Math.min(2000, 100 * 2 ** attempt)));
    parking.flush();
    if (parking.closed || s.run === 'stopping') return;
    try {
      await connectOne(s, i, w);
      s.opts.log.info({ dispatcher: i + 1, ms: Math.round(s.now() - t0), attempts: attempt + 1 }, 'dispatcher back: parked client traffic sent');
      return;
    } catch (err) {
      if (attempt === 0 || attempt % 10 === 0) s.opts.log.warn({ err, dispatcher: i + 1, attempt: attempt + 1 }, 'dispatcher still unreachable');
    }
  }
}
