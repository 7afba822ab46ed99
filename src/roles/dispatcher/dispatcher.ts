import type { Logger, Metrics } from '../../observability/index.ts';
import { TsworldError } from '../../core/errors.ts';
import {
  CLIENT_ERROR_CODES,
  MSG,
  PROTOCOL_VERSION,
  messageSpec,
  readEntityKey,
  readGameKey,
  readGateKey,
  type WireCodec,
} from '../../protocol/index.ts';
import { readId } from '../../protocol/routing-key.ts';
import { type Link, type LinkServer, listenLinks } from '../../transport/index.ts';
import { createEntityDirectory, type DirectoryEntry } from './directory.ts';
import { createPeerTable, type GamePeer } from './peers.ts';
import { splitClientPositions } from './split-positions.ts';

/** Directory game id of an entity that frames were sent to before any game announced it. */
const UNPLACED = -1;

export interface DispatcherOptions {
  id: number;
  host: string;
  port: number;
  /** Deployment-ready is announced once this many games and gates have said hello. */
  expectedGames: number;
  expectedGates: number;
  codec: WireCodec;
  log: Logger;
  /** Bounds of a frozen game's queue (hot swap): past either, the game is declared down. */
  freezeQueueMaxFrames: number;
  freezeQueueMaxMs: number;
  /** Frames held per entity while it is created, loaded or migrating. */
  maxHeldPerEntity: number;
  /** How long an entity may stay pending (created/loaded but not confirmed) before its frames are dropped. */
  pendingTimeoutMs: number;
  metrics?: Metrics;
  now?: () => number;
}

export interface Dispatcher {
  readonly host: string;
  readonly port: number;
  readonly stats: { readonly entities: number; readonly games: number; readonly gates: number };
  close(): Promise<void>;
}

/**
 * The dispatcher routes, and only routes: frames are forwarded by message-type range and routing key,
 * never by decoding RPC payloads. It owns the entity directory, boot/placement decisions, and the queues
 * that make creation, loading, migration and hot swap lossless.
 */
export async function startDispatcher(opts: DispatcherOptions): Promise<Dispatcher> {
  const { codec, log } = opts;
  const now = opts.now ?? Date.now;
  const directory = createEntityDirectory();
  const peers = createPeerTable({ now, random: Math.random });
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

  function forwardToGame(gameId: number, type: number, body: Uint8Array): void {
    const game = peers.game(gameId);
    if (!game) {
      log.warn({ gameId, msg: messageSpec(type)?.name }, 'dropped a frame for a game that is not connected');
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

  function routeToEntity(entityId: string, type: number, body: Uint8Array, from: Link): void {
    const entry = directory.get(entityId);
    if (!entry) {
      if (type === MSG.CALL_FROM_CLIENT.id) return refuseClientCall(entityId, body, from);
      if (type === MSG.NOTIFY_CLIENT_DISCONNECTED.id) {
        // Its entity is gone (destroyed, or it handed the client to another game): every game checks
        // whether it holds the client, and the giving game forwards it behind the hand-off.
        return broadcastGames(type, body);
      }
      if (peers.gameOfLink(from)) {
        // A game may call an entity it has just asked to create (the create notice follows at the
        // commit phase): hold the frames until the entity shows up, bounded by the pending timeout.
        const pending = directory.expect(entityId, UNPLACED, now());
        directory.hold(pending, type, body, opts.maxHeldPerEntity);
        return;
      }
      log.warn({ entityId, msg: messageSpec(type)?.name }, 'dropped a frame for an unknown entity');
      return;
    }
    if (entry.state !== 'ready') {
      if (!directory.hold(entry, type, body, opts.maxHeldPerEntity)) {
        log.error({ entityId, held: opts.maxHeldPerEntity }, 'entity queue full; dropping frame');
      }
      return;
    }
    forwardToGame(entry.gameId, type, body);
  }

  function release(entityId: string, entry: DirectoryEntry | undefined, held: ReturnType<typeof directory.ready>): void {
    if (!entry) return;
    for (const frame of held) forwardToGame(entry.gameId, frame.type, frame.body);
    if (held.length > 0) log.debug({ entityId, frames: held.length }, 'released held frames');
  }

  /** A client called an entity that exists nowhere: its gate (the sender) relays the answer. */
  function refuseClientCall(entityId: string, body: Uint8Array, from: Link): void {
    const gate = peers.gateOfLink(from);
    if (!gate) return;
    const clientId = readId(body, 16);
    codec.encodeTo(out(from), MSG.ERROR, {
      gateId: gate.id,
      clientId,
      code: CLIENT_ERROR_CODES.UNKNOWN_ENTITY,
      message: `no entity ${entityId}`,
    });
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

  function handshake(link: Link, type: number, body: Uint8Array): void {
    if (type === MSG.SET_GAME_ID.id) {
      const msg = codec.decode(MSG.SET_GAME_ID, body);
      if (msg instanceof TsworldError) throw msg;
      const { game, flushed } = peers.attachGame(msg.gameId, link, msg.isRestore);
      for (const id of msg.entityIds) release(id, directory.get(id), directory.ready(id, game.id));
      log.info({ gameId: game.id, restore: msg.isRestore, entities: msg.entityIds.length }, 'game connected');
      ack(link);
      for (const frame of flushed) out(link).send(frame.type, frame.body);
      if (flushed.length > 0) log.info({ gameId: game.id, frames: flushed.length }, 'flushed frozen queue in order');
      if (deploymentReady) out(link).send(MSG.DEPLOYMENT_READY.id, codec.encode(MSG.DEPLOYMENT_READY, {}));
      checkDeploymentReady();
      return;
    }
    if (type === MSG.SET_GATE_ID.id) {
      const msg = codec.decode(MSG.SET_GATE_ID, body);
      if (msg instanceof TsworldError) throw msg;
      peers.attachGate(msg.gateId, link);
      log.info({ gateId: msg.gateId }, 'gate connected');
      ack(link);
      if (deploymentReady) out(link).send(MSG.DEPLOYMENT_READY.id, codec.encode(MSG.DEPLOYMENT_READY, {}));
      checkDeploymentReady();
      return;
    }
    throw new TsworldError('PROTOCOL_VIOLATION', `expected SET_GAME_ID or SET_GATE_ID first, got type ${type}`);
  }

  function ack(link: Link): void {
    codec.encodeTo(out(link), MSG.HANDSHAKE_ACK, { dispatcherId: opts.id, protocolVersion: PROTOCOL_VERSION });
  }

  /** Frames the dispatcher itself acts on. Anything else is routed by its table entry. */
  function handleOwn(link: Link, type: number, body: Uint8Array): void {
    const fromGame = peers.gameOfLink(link);
    switch (type) {
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
        if (entry.held?.length) log.warn({ entityId: id, frames: entry.held.length }, 'entity destroyed; dropping frames sent to it');
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
        log.warn({ msg: messageSpec(type)?.name ?? type }, 'dispatcher message not handled here; dropped');
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

  function onFrame(type: number, body: Uint8Array, link: Link): void {
    if (!peers.known(link)) return handshake(link, type, body);
    const spec = messageSpec(type);
    if (!spec) throw new TsworldError('PROTOCOL_VIOLATION', `unknown message type ${type}`);
    opts.metrics?.messagesIn(spec.route);
    switch (spec.target) {
      case 'dispatcher':
        return handleOwn(link, type, body);
      case 'entity':
        return routeToEntity(readEntityKey(body), type, body, link);
      case 'game':
        return forwardToGame(readGameKey(body), type, body);
      case 'gate': {
        const gate = peers.gate(readGateKey(body));
        if (gate) out(gate.link).send(type, body);
        else log.warn({ gateId: readGateKey(body), msg: spec.name }, 'dropped a frame for an unknown gate');
        return;
      }
      case 'allGames':
        return broadcastGames(type, body, peers.gameOfLink(link)?.id);
      case 'allGates':
        return broadcastGates(type, body);
      case 'split': {
        const perGame = splitClientPositions(body, (id) => {
          const entry = directory.get(id);
          return entry?.state === 'ready' ? entry.gameId : undefined;
        });
        if (perGame instanceof TsworldError) throw perGame;
        for (const [gameId, merged] of perGame) forwardToGame(gameId, MSG.SYNC_POSITIONS_FROM_CLIENTS.id, merged);
        return;
      }
      default:
        throw new TsworldError('PROTOCOL_VIOLATION', `${spec.name} is not routed by a dispatcher`);
    }
  }

  const server: LinkServer = await listenLinks({
    host: opts.host,
    port: opts.port,
    onFrame,
    onError(error, link) {
      log.warn({ err: error, peer: `${link.remoteAddress}:${link.remotePort}` }, 'link error');
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
  const sweep = setInterval(() => {
    const cutoff = now() - opts.pendingTimeoutMs;
    for (const [id, entry] of directory.entries()) {
      if ((entry.state === 'pending' || entry.state === 'saving') && entry.since < cutoff) {
        log.error({ entityId: id, held: entry.held?.length ?? 0 }, 'entity never became ready; dropping it');
        directory.remove(id);
      }
    }
  }, Math.max(1000, opts.pendingTimeoutMs / 4));
  sweep.unref();

  return {
    host: server.host,
    port: server.port,
    get stats() {
      return { entities: directory.size, games: peers.liveGameCount(), gates: peers.gateCount() };
    },
    async close() {
      clearInterval(sweep);
      clearInterval(gauges);
      peers.close();
      flushAll();
      await server.close();
    },
  };
}
