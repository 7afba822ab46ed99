import { TsworldError } from '../../core/errors.ts';
import { MSG, type MessageSpec, type MessageValue, type WireCodec } from '../../protocol/index.ts';
import type { Link } from '../../transport/index.ts';
import { handlerTable, type HandlerTable } from '../../protocol/handler-table.ts';
import { UNPLACED } from './directory.ts';
import { type DispatcherState, out } from './dispatcher-state.ts';
import { parseHello } from './hello.ts';
import type { GamePeer } from './peers.ts';
import { ack, checkDeploymentReady, dropHeld, placeOn, release } from './routing.ts';
import { countPassedOver, placeBootEntity } from './overload-placement.ts';
import { onMigrateAbort, onMigrateData, onMigrateDone, onMigrateRequest, onSpacesAnnounce } from './migration.ts';
import { announceOnlineGames, loadAfterSave, onCreateSpace, onLoadOnGame } from './placement.ts';
import { onServiceDeclare, placeServices, serviceCreated, serviceGone, shardLivesElsewhere } from './services.ts';

/** One frame addressed to the dispatcher itself: its state, the link it came on, and the game behind it. */
export interface OwnFrame {
  readonly s: DispatcherState;
  readonly link: Link;
  readonly game: GamePeer | undefined;
}

/** A frame only a game may send; from anything else it is a protocol violation (the link is closed). */
function requireGame(frame: OwnFrame, spec: MessageSpec): GamePeer {
  if (!frame.game) throw new TsworldError('PROTOCOL_VIOLATION', `${spec.name} may only come from a game`);
  return frame.game;
}

/** The first frame of a link. Returns why it is not a hello, and the link is closed. */
export function handshake(s: DispatcherState, link: Link, type: number, body: Uint8Array): string | void {
  const parsed = parseHello(s.codec, type, body);
  if (typeof parsed === 'string') return parsed;
  if (parsed.kind === 'game') {
    const msg = parsed.hello;
    const { game, flushed } = s.peers.attachGame(msg.gameId, link, msg.isRestore);
    s.liveness.watch(link);
    for (const id of msg.entityIds) if (routedByHello(s, id, game.id)) release(s, id, s.directory.get(id), s.directory.ready(id, game.id));
    s.log.info({ gameId: game.id, restore: msg.isRestore, entities: msg.entityIds.length }, 'game connected');
    ack(s, link);
    for (const frame of [...flushed, ...s.waiting.take(`game${game.id}`)]) out(s, link).send(frame.type, frame.body);
    if (flushed.length > 0) s.log.info({ gameId: game.id, frames: flushed.length }, 'flushed frozen queue in order');
    announceOnlineGames(s);
  } else {
    s.peers.attachGate(parsed.hello.gateId, link);
    s.liveness.watch(link);
    s.log.info({ gateId: parsed.hello.gateId }, 'gate connected');
    ack(s, link);
    for (const frame of s.waiting.take(`gate${parsed.hello.gateId}`)) out(s, link).send(frame.type, frame.body);
  }
  if (s.run === 'ready') out(s, link).send(MSG.DEPLOYMENT_READY.id, s.codec.encode(MSG.DEPLOYMENT_READY, {}));
  checkDeploymentReady(s);
  placeServices(s);
}

/**
 * Whether a game's hello routes `id` to it. Not a shard re-placed elsewhere meanwhile, and not an entity
 * in a hand-off: a game frozen after its MIGRATE_REQUEST was acked still has the entity in its snapshot,
 * but the ack waits in its queue, and the hand-off keeps holding the entity's frames until MIGRATE_DONE.
 * Marking it ready here released them to a game about to pack it, which dropped them.
 */
function routedByHello(s: DispatcherState, id: string, gameId: number): boolean {
  return !shardLivesElsewhere(s, id, gameId) && !s.migrations.active.has(id);
}

/** A game whose freeze was abandoned says hello again on its link, so that its queue is flushed. */
function onResumeHello(frame: OwnFrame, m: MessageValue<typeof MSG.SET_GAME_ID>, body: Uint8Array): void {
  const game = requireGame(frame, MSG.SET_GAME_ID);
  if (!m.isRestore || m.gameId !== game.id) {
    throw new TsworldError('PROTOCOL_VIOLATION', `SET_GAME_ID after the handshake that is not a restore of game ${game.id}`);
  }
  const violation = handshake(frame.s, frame.link, MSG.SET_GAME_ID.id, body);
  if (typeof violation === 'string') throw new TsworldError('PROTOCOL_VIOLATION', violation);
}

function onDestroyed(frame: OwnFrame, m: MessageValue<typeof MSG.NOTIFY_DESTROY_ENTITY>): void {
  const { s } = frame;
  const entry = s.directory.get(m.entityId);
  // A destroy from a game that no longer owns the entity must not unroute it.
  if (!entry || entry.gameId !== requireGame(frame, MSG.NOTIFY_DESTROY_ENTITY).id) return;
  if (entry.state === 'saving' && loadAfterSave(s, m.entityId)) return;
  if (entry.state === 'saving' && entry.reloadType !== null) return reload(s, m.entityId, entry.reloadType);
  if (entry.held?.length) {
    s.log.warn({ entityId: m.entityId, frames: entry.held.length }, 'entity destroyed; dropping frames sent to it');
    dropHeld(s, m.entityId, entry.held);
  }
  s.directory.remove(m.entityId);
  serviceGone(s, m.entityId);
}

/** Places a saved entity again (a LOAD arrived while it was being saved); its held frames follow it. */
function reload(s: DispatcherState, entityId: string, typeName: string): void {
  const entry = s.directory.get(entityId)!;
  entry.reloadType = null;
  const target = s.peers.placeOnLeastLoaded();
  if (!target) {
    s.log.error({ entityId }, 'reload: no game connected');
    s.directory.remove(entityId);
    return;
  }
  placeOn(s, target, entityId, MSG.LOAD_ENTITY_ANYWHERE.id, s.codec.encode(MSG.LOAD_ENTITY_ANYWHERE, { entityId, typeName }));
}

function onLoadAnywhere(frame: OwnFrame, m: MessageValue<typeof MSG.LOAD_ENTITY_ANYWHERE>, body: Uint8Array): void {
  const { s } = frame;
  const entry = s.directory.get(m.entityId);
  // Single instance cluster-wide: an entity that exists or is already being loaded is not loaded
  // again; one that is being saved after a destroy is loaded once the save is done.
  if (entry && entry.gameId !== UNPLACED) {
    if (entry.state === 'saving') entry.reloadType = m.typeName;
    return;
  }
  const target = s.peers.placeOnLeastLoaded();
  if (!target) return s.log.error('load anywhere: no game connected');
  countPassedOver(s);
  placeOn(s, target, m.entityId, MSG.LOAD_ENTITY_ANYWHERE.id, body);
}

function onFreeze(frame: OwnFrame): void {
  const game = requireGame(frame, MSG.START_FREEZE);
  frame.s.peers.freeze(game);
  // Writing a snapshot may hold its loop for a while: a freezing game is bounded by the freeze timers.
  frame.s.liveness.unwatch(frame.link);
  frame.s.log.info({ gameId: game.id }, 'game freezing: queueing its frames');
  frame.s.codec.encodeTo(out(frame.s, frame.link), MSG.FREEZE_ACK, { dispatcherId: frame.s.opts.id });
}

/** Every frame whose table target is `dispatcher`: directory, placement, load, freeze. */
export function ownFrameTable(codec: WireCodec): HandlerTable<OwnFrame> {
  return handlerTable<OwnFrame>(codec)
    .on(MSG.SET_GAME_ID, onResumeHello)
    .on(MSG.NOTIFY_CREATE_ENTITY, (f, m) => {
      const gameId = requireGame(f, MSG.NOTIFY_CREATE_ENTITY).id;
      release(f.s, m.entityId, f.s.directory.get(m.entityId), f.s.directory.ready(m.entityId, gameId));
      serviceCreated(f.s, m.entityId, gameId);
    })
    .on(MSG.SERVICE_DECLARE, (f, m) => {
      requireGame(f, MSG.SERVICE_DECLARE);
      onServiceDeclare(f, m);
    })
    .on(MSG.ENTITY_DESTROYING, (f, m) => {
      const entry = f.s.directory.get(m.entityId);
      if (!entry || entry.gameId !== requireGame(f, MSG.ENTITY_DESTROYING).id) return;
      entry.state = 'saving';
      entry.since = f.s.now();
    })
    .on(MSG.NOTIFY_DESTROY_ENTITY, onDestroyed)
    .on(MSG.CREATE_ENTITY_ANYWHERE, (f, m, body) => {
      const target = f.s.peers.placeOnLeastLoaded();
      if (!target) return f.s.log.error('create anywhere: no game connected');
      countPassedOver(f.s);
      placeOn(f.s, target, m.entityId, MSG.CREATE_ENTITY_ANYWHERE.id, body);
    })
    .on(MSG.LOAD_ENTITY_ANYWHERE, onLoadAnywhere)
    .on(MSG.NOTIFY_CLIENT_CONNECTED, (f, m, body) => placeBootEntity(f.s, m, body))
    .on(MSG.GAME_LOAD_REPORT, (f, m) => f.s.peers.reportLoad(requireGame(f, MSG.GAME_LOAD_REPORT).id, m.load, m.overloaded, m.entityCount))
    .on(MSG.GAME_STOPPING, (f) => void (requireGame(f, MSG.GAME_STOPPING).state = 'stopping'))
    .on(MSG.START_FREEZE, onFreeze)
    .on(MSG.SPACES_ANNOUNCE, (f, m) => onSpacesAnnounce(f, requireGame(f, MSG.SPACES_ANNOUNCE), m))
    .on(MSG.MIGRATE_REQUEST, (f, m) => onMigrateRequest(f, requireGame(f, MSG.MIGRATE_REQUEST), m))
    .on(MSG.MIGRATE_DATA, (f, m) => onMigrateData(f, requireGame(f, MSG.MIGRATE_DATA), m))
    .on(MSG.MIGRATE_ABORT, (f, m) => onMigrateAbort(f, requireGame(f, MSG.MIGRATE_ABORT), m.entityId))
    .on(MSG.MIGRATE_DONE, (f, m) => onMigrateDone(f, requireGame(f, MSG.MIGRATE_DONE), m.entityId))
    .on(MSG.CREATE_SPACE, (f, m, body) => void (requireGame(f, MSG.CREATE_SPACE), onCreateSpace(f.s, m, body)))
    .on(MSG.LOAD_ENTITY_ON_GAME, (f, m, body) => void (requireGame(f, MSG.LOAD_ENTITY_ON_GAME), onLoadOnGame(f.s, m, body)))
    // Its bytes are the sign of life (link-liveness.ts); nothing else to do.
    .on(MSG.LINK_HEARTBEAT, () => undefined)
    .build();
}
