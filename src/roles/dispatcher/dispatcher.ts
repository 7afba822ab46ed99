import { createLogThrottle } from '../../observability/index.ts';
import { TsworldError } from '../../core/errors.ts';
import {
  MSG,
  PROTOCOL_VERSION,
  messageSpec,
  readEntityKey,
  readGameKey,
  readGateKey,
} from '../../protocol/index.ts';
import { type Link, type LinkServer, listenLinks } from '../../transport/index.ts';
import { refuseClientCall } from './client-refusal.ts';
import { createEntityDirectory, type DirectoryEntry, type HeldFrame, type HoldRefusal, UNPLACED } from './directory.ts';
import { type Dispatcher, type DispatcherOptions, logIntervalOf, pendingLimitsOf, unplacedTimeoutOf } from './dispatcher-options.ts';
import { createFrameGuard, peerAddress } from './frame-guard.ts';
import { parseHello } from './hello.ts';
import { checkPeerFrame } from './peer-rules.ts';
import { createPeerTable, type GamePeer } from './peers.ts';
import { startPendingSweep } from './pending-sweep.ts';
import { splitClientPositions } from './split-positions.ts';

export type { Dispatcher, DispatcherOptions } from './dispatcher-options.ts';

/**
 * The dispatcher routes, and only routes: frames are forwarded by message-type range and routing key,
 * never by decoding RPC payloads. It owns the entity directory, boot/placement decisions, and the queues
 * that make creation, loading, migration and hot swap lossless.
 */
export async function startDispatcher(opts: DispatcherOptions): Promise<Dispatcher> {
  const { codec, log } = opts;
  const now = opts.now ?? Date.now;
  const directory = createEntityDirectory(pendingLimitsOf(opts));
  const peers = createPeerTable({ now, random: Math.random });
  // Whatever a peer (or a client through a game) can cause at will is logged through this.
  const throttle = createLogThrottle({ log, now, intervalMs: logIntervalOf(opts) });
  let deploymentReady = false;
  let flushScheduled = false;
  const dirty = new Set<Link>();

  /** Every write goes through here so one flush per link per event-loop turn carries the whole batch. */
  function out(link: Link): Link {
    dirty.add(link);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushAll);
    }
    return link;
  }

  function flushAll(): void {
    flushScheduled = false;
    for (const link of dirty) link.flush();
    dirty.clear();
  }

  const gateLink = (gateId: number): Link | undefined => {
    const gate = peers.gate(gateId);
    return gate ? out(gate.link) : undefined;
  };

  function forwardToGame(gameId: number, type: number, body: Uint8Array): void {
    const game = peers.game(gameId);
    if (!game) {
      throttle.log('warn', 'no-game', { gameId, msg: messageSpec(type)?.name }, 'dropped a frame for a game that is not connected');
      return;
    }
    if (game.frozen) {
      if (!peers.holdForFrozen(game, type, body, opts.freezeQueueMaxFrames)) {
        declareGameDown(game, `freeze queue exceeded ${opts.freezeQueueMaxFrames} frames`);
      }
      return;
    }
    out(game.link!).send(type, body);
  }

  function routeToEntity(entityId: string, type: number, body: Uint8Array, sender: GamePeer | undefined): void {
    const entry = directory.get(entityId);
    if (!entry) {
      if (type === MSG.CALL_FROM_CLIENT.id) return refuseClientCall(codec, gateLink, entityId, body);
      if (type === MSG.NOTIFY_CLIENT_DISCONNECTED.id) {
        // Its entity is gone (destroyed, or it handed the client to another game): every game checks
        // whether it holds the client, and the giving game forwards it behind the hand-off.
        return broadcastGames(type, body);
      }
      // A gate sends no other entity-keyed frame (peer-rules).
      if (!sender) return;
      // A game may call an entity it has just created, whose create notice follows at the commit phase:
      // held until it shows up, within the pending bounds, as game code may pass on an id a client chose.
      const refused = directory.holdUnplaced(entityId, sender.id, type, body, now(), opts.maxHeldPerEntity);
      if (refused) refuse(refused, entityId, type, body);
      return;
    }
    if (entry.state !== 'ready') {
      const refused = directory.hold(entry, type, body, opts.maxHeldPerEntity);
      if (refused) refuse(refused, entityId, type, body);
      return;
    }
    forwardToGame(entry.gameId, type, body);
  }

  function refuse(limit: HoldRefusal, entityId: string, type: number, body: Uint8Array): void {
    opts.metrics?.refused(limit);
    throttle.log('warn', `refused:${limit}`, { limit, entityId, msg: messageSpec(type)?.name }, 'frame refused at a dispatcher limit; dropped');
    if (type === MSG.CALL_FROM_CLIENT.id) refuseClientCall(codec, gateLink, entityId, body);
  }

  /** Frames that will never be delivered: a client waiting on its call is told so. */
  function dropHeld(entityId: string, frames: readonly HeldFrame[]): void {
    for (const frame of frames) {
      if (frame.type === MSG.CALL_FROM_CLIENT.id) refuseClientCall(codec, gateLink, entityId, frame.body);
    }
  }

  function release(entityId: string, entry: DirectoryEntry | undefined, held: HeldFrame[]): void {
    if (!entry) return;
    for (const frame of held) forwardToGame(entry.gameId, frame.type, frame.body);
    if (held.length > 0) log.debug({ entityId, frames: held.length }, 'released held frames');
  }

  function broadcastGames(type: number, body: Uint8Array, exceptGameId = -1): void {
    for (const game of peers.games()) if (game.id !== exceptGameId) forwardToGame(game.id, type, body);
  }

  function broadcastGates(type: number, body: Uint8Array): void {
    for (const gate of peers.gates()) out(gate.link).send(type, body);
  }

  function checkDeploymentReady(): void {
    if (deploymentReady) return;
    if (peers.liveGameCount() < opts.expectedGames || peers.gateCount() < opts.expectedGates) return;
    deploymentReady = true;
    log.info({ games: peers.liveGameCount(), gates: peers.gateCount() }, 'deployment ready');
    const body = codec.encode(MSG.DEPLOYMENT_READY, {});
    for (const game of peers.games()) if (game.link) out(game.link).send(MSG.DEPLOYMENT_READY.id, body);
    for (const gate of peers.gates()) out(gate.link).send(MSG.DEPLOYMENT_READY.id, body);
  }

  function declareGameDown(game: GamePeer, why: string): void {
    const lost = directory.removeGame(game.id);
    peers.removeGame(game.id);
    game.link?.destroy();
    log.error({ gameId: game.id, why, entities: lost.length }, 'game declared down: its entities are unreachable until it restarts');
  }

  /** The first frame of a link. Returns why it is not a hello, and the link is closed. */
  function handshake(link: Link, type: number, body: Uint8Array): string | void {
    const parsed = parseHello(codec, type, body);
    if (typeof parsed === 'string') return parsed;
    if (parsed.kind === 'game') {
      const msg = parsed.hello;
      const { game, flushed } = peers.attachGame(msg.gameId, link, msg.isRestore);
      for (const id of msg.entityIds) release(id, directory.get(id), directory.ready(id, game.id));
      log.info({ gameId: game.id, restore: msg.isRestore, entities: msg.entityIds.length }, 'game connected');
      ack(link);
      for (const frame of flushed) out(link).send(frame.type, frame.body);
      if (flushed.length > 0) log.info({ gameId: game.id, frames: flushed.length }, 'flushed frozen queue in order');
    } else {
      peers.attachGate(parsed.hello.gateId, link);
      log.info({ gateId: parsed.hello.gateId }, 'gate connected');
      ack(link);
    }
    if (deploymentReady) out(link).send(MSG.DEPLOYMENT_READY.id, codec.encode(MSG.DEPLOYMENT_READY, {}));
    checkDeploymentReady();
  }

  /** A game whose freeze was abandoned says hello again on its link, so that its queue is flushed. */
  function resumeHello(link: Link, body: Uint8Array, game: GamePeer): string | void {
    const parsed = parseHello(codec, MSG.SET_GAME_ID.id, body);
    if (typeof parsed === 'string') return parsed;
    if (parsed.kind !== 'game' || !parsed.hello.isRestore || parsed.hello.gameId !== game.id) {
      return `SET_GAME_ID after the handshake that is not a restore of game ${game.id}`;
    }
    return handshake(link, MSG.SET_GAME_ID.id, body);
  }

  function ack(link: Link): void {
    codec.encodeTo(out(link), MSG.HANDSHAKE_ACK, { dispatcherId: opts.id, protocolVersion: PROTOCOL_VERSION });
  }

  /** Frames the dispatcher itself acts on. Anything else is routed by its table entry. */
  function handleOwn(link: Link, type: number, body: Uint8Array, fromGame: GamePeer | undefined): string | void {
    switch (type) {
      case MSG.SET_GAME_ID.id:
        return resumeHello(link, body, requireGame(fromGame, type));
      case MSG.NOTIFY_CREATE_ENTITY.id: {
        const id = readEntityKey(body);
        release(id, directory.get(id), directory.ready(id, requireGame(fromGame, type).id));
        return;
      }
      case MSG.ENTITY_DESTROYING.id: {
        const entry = directory.get(readEntityKey(body));
        if (entry && entry.gameId === requireGame(fromGame, type).id) {
          entry.state = 'saving';
          entry.since = now();
        }
        return;
      }
      case MSG.NOTIFY_DESTROY_ENTITY.id: {
        const id = readEntityKey(body);
        const entry = directory.get(id);
        // A destroy from a game that no longer owns the entity (it migrated away) must not unroute it.
        if (!entry || entry.gameId !== requireGame(fromGame, type).id || entry.state === 'migrating') return;
        if (entry.state === 'saving' && entry.reloadType !== null) return reload(id, entry);
        if (entry.held?.length) {
          log.warn({ entityId: id, frames: entry.held.length }, 'entity destroyed; dropping frames sent to it');
          dropHeld(id, entry.held);
        }
        directory.remove(id);
        return;
      }
      case MSG.CREATE_ENTITY_ANYWHERE.id: {
        const target = peers.leastLoadedGame();
        if (!target) return log.error('create anywhere: no game connected');
        directory.expect(readEntityKey(body), target.id, now());
        forwardToGame(target.id, type, body);
        return;
      }
      case MSG.LOAD_ENTITY_ANYWHERE.id: {
        const id = readEntityKey(body);
        const entry = directory.get(id);
        // Single instance cluster-wide: an entity that exists or is already being loaded is not loaded
        // again; one that is being saved after a destroy is loaded once the save is done.
        if (entry && entry.gameId !== UNPLACED) {
          if (entry.state === 'saving') {
            const m = codec.decode(MSG.LOAD_ENTITY_ANYWHERE, body);
            if (m instanceof TsworldError) throw m;
            entry.reloadType = m.typeName;
          }
          return;
        }
        const target = peers.leastLoadedGame();
        if (!target) return log.error('load anywhere: no game connected');
        directory.expect(id, target.id, now());
        forwardToGame(target.id, type, body);
        return;
      }
      case MSG.NOTIFY_CLIENT_CONNECTED.id: {
        const target = peers.nextBootGame();
        if (!target) return log.error('client connected but no game can take its boot entity');
        directory.expect(readEntityKey(body), target.id, now());
        forwardToGame(target.id, type, body);
        return;
      }
      case MSG.GAME_LOAD_REPORT.id: {
        const msg = codec.decode(MSG.GAME_LOAD_REPORT, body);
        if (msg instanceof TsworldError) throw msg;
        peers.reportLoad(requireGame(fromGame, type).id, msg.load);
        return;
      }
      case MSG.GAME_STOPPING.id:
        requireGame(fromGame, type).stopping = true;
        return;
      case MSG.START_FREEZE.id: {
        const game = requireGame(fromGame, type);
        peers.freeze(game);
        log.info({ gameId: game.id }, 'game freezing: queueing its frames');
        codec.encodeTo(out(link), MSG.FREEZE_ACK, { dispatcherId: opts.id });
        return;
      }
      default:
        throttle.log('warn', 'unhandled', { msg: messageSpec(type)?.name ?? type }, 'dispatcher message not handled here; dropped');
    }
  }

  /** Places a saved entity again (a LOAD arrived while it was being saved); its held frames follow it. */
  function reload(id: string, entry: DirectoryEntry): void {
    const typeName = entry.reloadType!;
    entry.reloadType = null;
    const target = peers.leastLoadedGame();
    if (!target) {
      log.error({ entityId: id }, 'reload: no game connected');
      directory.remove(id);
      return;
    }
    directory.expect(id, target.id, now());
    forwardToGame(target.id, MSG.LOAD_ENTITY_ANYWHERE.id, codec.encode(MSG.LOAD_ENTITY_ANYWHERE, { entityId: id, typeName }));
  }

  function requireGame(game: GamePeer | undefined, type: number): GamePeer {
    if (!game) throw new TsworldError('PROTOCOL_VIOLATION', `${messageSpec(type)?.name} may only come from a game`);
    return game;
  }

  /** Routes one frame of a peer that said hello; returns why the peer may not send it. */
  function route(link: Link, type: number, body: Uint8Array): string | void {
    const fromGame = peers.gameOfLink(link);
    const spec = checkPeerFrame(fromGame ? 'game' : 'gate', type, body);
    if (typeof spec === 'string') return spec;
    opts.metrics?.messagesIn(spec.route);
    switch (spec.target) {
      case 'dispatcher':
        return handleOwn(link, type, body, fromGame);
      case 'entity':
        return routeToEntity(readEntityKey(body), type, body, fromGame);
      case 'game':
        return forwardToGame(readGameKey(body), type, body);
      case 'gate': {
        const gate = peers.gate(readGateKey(body));
        if (gate) out(gate.link).send(type, body);
        else throttle.log('warn', 'no-gate', { gateId: readGateKey(body), msg: spec.name }, 'dropped a frame for an unknown gate');
        return;
      }
      case 'allGames':
        return broadcastGames(type, body, fromGame?.id);
      case 'allGates':
        return broadcastGates(type, body);
      case 'split': {
        const perGame = splitClientPositions(body, (id) => {
          const entry = directory.get(id);
          return entry?.state === 'ready' ? entry.gameId : undefined;
        });
        if (perGame instanceof TsworldError) return perGame.message;
        for (const [gameId, merged] of perGame) forwardToGame(gameId, MSG.SYNC_POSITIONS_FROM_CLIENTS.id, merged);
        return;
      }
      default:
        return `${spec.name} is not routed by a dispatcher`;
    }
  }

  const server: LinkServer = await listenLinks({
    host: opts.host,
    port: opts.port,
    onFrame: createFrameGuard({ peers, throttle, metrics: opts.metrics, handshake, route }),
    onError(error, link) {
      throttle.log('warn', `link-error:${error.code}`, { err: error, peer: peerAddress(link) }, 'link error');
    },
    onClose(link) {
      const game = peers.gameOfLink(link);
      if (game) {
        if (game.frozen) {
          log.info({ gameId: game.id }, 'frozen game disconnected; queueing until it is restored');
          peers.detachFrozen(game, opts.freezeQueueMaxMs, () =>
            declareGameDown(game, `not restored within ${opts.freezeQueueMaxMs} ms`),
          );
        } else if (game.stopping) {
          const entities = directory.removeGame(game.id).length;
          peers.removeGame(game.id);
          log.info({ gameId: game.id, entities }, 'game stopped');
        } else {
          declareGameDown(game, 'connection closed');
        }
        return;
      }
      const gate = peers.gateOfLink(link);
      if (gate) {
        log.warn({ gateId: gate.id }, 'gate disconnected');
        peers.removeGate(gate.id);
        const body = codec.encode(MSG.GATE_DISCONNECTED, { gateId: gate.id });
        broadcastGames(MSG.GATE_DISCONNECTED.id, body);
      }
    },
  });
  log.info({ host: server.host, port: server.port }, 'dispatcher listening');

  const gauges = setInterval(() => opts.metrics?.setEntities(directory.size), 1000);
  gauges.unref();
  const sweep = startPendingSweep({
    directory,
    log,
    now,
    pendingTimeoutMs: opts.pendingTimeoutMs,
    unplacedTimeoutMs: unplacedTimeoutOf(opts),
    logIntervalMs: logIntervalOf(opts),
    onDropped(kind, dropped) {
      const frames = dropped.entry.held ?? [];
      if (frames.length > 0) opts.metrics?.refused(`${kind}-timeout`, frames.length);
      dropHeld(dropped.entityId, frames);
    },
  });

  return {
    host: server.host,
    port: server.port,
    get stats() {
      return {
        entities: directory.size,
        games: peers.liveGameCount(),
        gates: peers.gateCount(),
        unplaced: directory.unplaced.entries,
        unplacedFrames: directory.unplaced.frames,
      };
    },
    async close() {
      sweep.stop();
      clearInterval(gauges);
      peers.close();
      flushAll();
      await server.close();
    },
  };
}
