import { DEFAULTS } from '../../config/deployment-schema.ts';
import { MSG } from '../../protocol/index.ts';
import { every } from '../../tick/clock.ts';
import type { Link, LinkServer } from '../../transport/index.ts';
import { createLiveness, type Liveness } from '../shared/link-liveness.ts';
import { type Dispatcher, type DispatcherOptions, logIntervalOf, unplacedTimeoutOf } from './dispatcher-options.ts';
import { clusterView } from './cluster-view.ts';
import { createDispatcherState, flushAll, out, type DispatcherState } from './dispatcher-state.ts';
import { createFrameGuard, peerAddress } from './frame-guard.ts';
import { createLinkAuth } from './link-auth.ts';
import { dispatcherLinkPressure } from './link-pressure.ts';
import { handshake, ownFrameTable } from './own-frames.ts';
import { startPendingSweep } from './pending-sweep.ts';
import { dropSwept, replaceServices } from './services.ts';
import { migrationSwept, migrationsGameGone } from './migration.ts';
import { routeFrame } from './route-frame.ts';
import { broadcastGames, declareGameDown, dropHeld, reroute } from './routing.ts';

export type { Dispatcher, DispatcherOptions } from './dispatcher-options.ts';

/** A peer's link closed: a frozen game waits for its successor, a stopping one leaves, anything else is down. */
function onPeerClosed(s: DispatcherState, link: Link): void {
  const { peers, directory, log, opts } = s;
  const game = peers.gameOfLink(link);
  if (game) {
    if (game.state === 'frozen') {
      log.info({ gameId: game.id }, 'frozen game disconnected; queueing until it is restored');
      peers.detachFrozen(game, opts.freezeQueueMaxMs, () => declareGameDown(s, game, `not restored within ${opts.freezeQueueMaxMs} ms`));
    } else if (game.state === 'stopping') {
      migrationsGameGone(s, game.id);
      const inFlight = link.unacked();
      const removed = directory.removeGame(game.id);
      peers.removeGame(game.id);
      // Its shards were saved before it said GAME_STOPPING: another game takes them now, with the calls
      // it never got to.
      replaceServices(s, removed, game.id, 'stopped');
      reroute(s, inFlight);
      log.info({ gameId: game.id, entities: removed.length }, 'game stopped');
    } else {
      declareGameDown(s, game, 'connection closed');
    }
    return;
  }
  const gate = peers.gateOfLink(link);
  if (gate) {
    log.warn({ gateId: gate.id }, 'gate disconnected');
    peers.removeGate(gate.id);
    broadcastGames(s, MSG.GATE_DISCONNECTED.id, s.codec.encode(MSG.GATE_DISCONNECTED, { gateId: gate.id }));
  }
}

/** Which peer a link belongs to, for liveness logs. */
function peerOf(s: DispatcherState, link: Link): { peer: 'game' | 'gate'; id: number } | undefined {
  const game = s.peers.gameOfLink(link);
  if (game) return { peer: 'game', id: game.id };
  const gate = s.peers.gateOfLink(link);
  return gate ? { peer: 'gate', id: gate.id } : undefined;
}

/**
 * A routed frame is acknowledged in this turn's flush (LINK_ACK), so its sender stops keeping it for a
 * replay; the link is marked even when nothing else is written to it.
 */
function acknowledging(s: DispatcherState, onFrame: (type: number, body: Uint8Array, link: Link) => void) {
  return (type: number, body: Uint8Array, link: Link): void => {
    onFrame(type, body, link);
    if (link.ackDue) out(s, link);
  };
}

/** A game or gate went silent past the timeout: treated as dead, and its link dropped. */
function peerSilent(s: DispatcherState, link: Link, silentMs: number): void {
  const game = s.peers.gameOfLink(link);
  // A frozen game is between processes on purpose; its own timer (freezeQueueMaxMs) bounds that.
  if (game && game.state !== 'frozen') return declareGameDown(s, game, `silent for ${Math.round(silentMs)} ms`, 'heartbeat', silentMs);
  const gate = s.peers.gateOfLink(link);
  if (!gate) return;
  s.faults.down('gate', 'heartbeat', silentMs);
  s.log.error({ gateId: gate.id, detectionMs: Math.round(silentMs) }, 'gate declared down: silent past the liveness timeout');
  link.destroy();
}

function startLiveness(s: DispatcherState): Liveness {
  const { clock, scheduler } = s.runtime;
  const heartbeat = s.codec.encode(MSG.LINK_HEARTBEAT, {});
  return createLiveness({
    ...(s.opts.liveness ?? DEFAULTS.liveness),
    clock,
    scheduler,
    beat: (link) => out(s, link).send(MSG.LINK_HEARTBEAT.id, heartbeat),
    onSuspect(link, silentMs) {
      const peer = peerOf(s, link);
      if (!peer) return;
      s.faults.suspect(peer.peer);
      s.log.warn({ ...peer, silentMs: Math.round(silentMs) }, 'peer SUSPECT: no bytes for half the liveness timeout');
    },
    onDown: (link, silentMs) => peerSilent(s, link, silentMs),
    onStall(ms) {
      s.faults.stalled(ms);
      s.log.warn({ stalledMs: Math.round(ms) }, 'this dispatcher\'s event loop stalled; peer silence is measured afresh');
    },
  });
}

/** Once a second: the entity gauge and expired lost marks; and the sweep of frames held too long. */
function startTimers(s: DispatcherState): { stop(): void } {
  const { opts } = s;
  const lostTtlMs = opts.lostEntityTtlMs ?? DEFAULTS.dispatcher.lostEntityTtlMs;
  const stopGauges = every(opts.runtime.scheduler, 1000, () => {
    opts.metrics?.setEntities(s.directory.size);
    if (s.lost.sweep(s.now() - lostTtlMs) > 0) s.faults.setLost(s.lost.size);
  });
  const sweep = startPendingSweep({
    directory: s.directory,
    log: opts.log,
    now: s.now,
    scheduler: opts.runtime.scheduler,
    pendingTimeoutMs: opts.pendingTimeoutMs,
    unplacedTimeoutMs: unplacedTimeoutOf(opts),
    logIntervalMs: logIntervalOf(opts),
    onDropped(kind, dropped) {
      const frames = dropped.entry.held ?? [];
      if (frames.length > 0) opts.metrics?.refused(`${kind}-timeout`, frames.length);
      dropSwept(s, dropped, frames);
      if (dropped.entry.state === 'migrating') migrationSwept(s, dropped.entityId);
    },
  });
  return {
    stop() {
      sweep.stop();
      stopGauges();
    },
  };
}

/**
 * The dispatcher routes, and only routes: frames are forwarded by message-type range and routing key,
 * never by decoding RPC payloads. It owns the entity directory, boot/placement decisions, and the queues
 * that make creation, loading and hot swap lossless. This function only wires: the state is in
 * dispatcher-state.ts, the handlers in own-frames.ts and route-frame.ts.
 */
export async function startDispatcher(opts: DispatcherOptions): Promise<Dispatcher> {
  const s = createDispatcherState(opts);
  const startedAt = s.now();
  s.liveness = startLiveness(s);
  const own = ownFrameTable(opts.codec);
  const pressure = dispatcherLinkPressure(s);
  const auth = createLinkAuth({
    codec: opts.codec,
    secret: opts.clusterSecret,
    scheduler: opts.runtime.scheduler,
    timeoutMs: (opts.liveness ?? DEFAULTS.liveness).timeoutMs,
    throttle: s.throttle,
    metrics: opts.metrics,
  });
  const server: LinkServer = await opts.runtime.net.listen(pressure.around({
    host: opts.host,
    port: opts.port,
    onLink: (link) => auth.open(link),
    onFrame: acknowledging(s, createFrameGuard({
      peers: s.peers,
      throttle: s.throttle,
      metrics: opts.metrics,
      // A hello is read only from a link that proved the cluster secret (link-auth.ts).
      handshake: (link, type, body) => (auth.authenticated(link) ? handshake(s, link, type, body) : auth.step(link, type, body)),
      route: (link, type, body) => routeFrame(s, own, link, type, body),
    })),
    onError(error, link) {
      s.throttle.log('warn', `link-error:${error.code}`, { err: error, peer: peerAddress(link) }, 'link error');
    },
    onClose(link) {
      auth.forget(link);
      onPeerClosed(s, link);
    },
  }));
  opts.log.info({ host: server.host, port: server.port }, 'dispatcher listening');

  const timers = startTimers(s);
  return {
    host: server.host,
    port: server.port,
    get stats() {
      return {
        entities: s.directory.size,
        games: s.peers.liveGameCount(),
        gates: s.peers.gateCount(),
        unplaced: s.directory.unplaced.entries,
        unplacedFrames: s.directory.unplaced.frames,
      };
    },
    cluster: () => clusterView(s, startedAt),
    async close() {
      s.run = 'closing';
      s.liveness.stop();
      auth.close();
      timers.stop();
      s.peers.close();
      flushAll(s);
      await server.close();
    },
  };
}
