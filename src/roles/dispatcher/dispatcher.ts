import { MSG } from '../../protocol/index.ts';
import { every } from '../../tick/clock.ts';
import type { Link, LinkServer } from '../../transport/index.ts';
import { type Dispatcher, type DispatcherOptions, logIntervalOf, unplacedTimeoutOf } from './dispatcher-options.ts';
import { createDispatcherState, flushAll, type DispatcherState } from './dispatcher-state.ts';
import { createFrameGuard, peerAddress } from './frame-guard.ts';
import { handshake, ownFrameTable } from './own-frames.ts';
import { startPendingSweep } from './pending-sweep.ts';
import { routeFrame } from './route-frame.ts';
import { broadcastGames, declareGameDown, dropHeld } from './routing.ts';

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
      const entities = directory.removeGame(game.id).length;
      peers.removeGame(game.id);
      log.info({ gameId: game.id, entities }, 'game stopped');
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

/**
 * The dispatcher routes, and only routes: frames are forwarded by message-type range and routing key,
 * never by decoding RPC payloads. It owns the entity directory, boot/placement decisions, and the queues
 * that make creation, loading and hot swap lossless. This function only wires: the state is in
 * dispatcher-state.ts, the handlers in own-frames.ts and route-frame.ts.
 */
export async function startDispatcher(opts: DispatcherOptions): Promise<Dispatcher> {
  const s = createDispatcherState(opts);
  const own = ownFrameTable(opts.codec);
  const server: LinkServer = await opts.runtime.net.listen({
    host: opts.host,
    port: opts.port,
    onFrame: createFrameGuard({
      peers: s.peers,
      throttle: s.throttle,
      metrics: opts.metrics,
      handshake: (link, type, body) => handshake(s, link, type, body),
      route: (link, type, body) => routeFrame(s, own, link, type, body),
    }),
    onError(error, link) {
      s.throttle.log('warn', `link-error:${error.code}`, { err: error, peer: peerAddress(link) }, 'link error');
    },
    onClose: (link) => onPeerClosed(s, link),
  });
  opts.log.info({ host: server.host, port: server.port }, 'dispatcher listening');

  const stopGauges = every(opts.runtime.scheduler, 1000, () => opts.metrics?.setEntities(s.directory.size));
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
      dropHeld(s, dropped.entityId, frames);
    },
  });

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
    async close() {
      s.run = 'closing';
      sweep.stop();
      stopGauges();
      s.peers.close();
      flushAll(s);
      await server.close();
    },
  };
}
