import { MSG, PROTOCOL_VERSION, messageSpec, readEntityKey, type ClientErrorName } from '../../protocol/index.ts';
import type { Link } from '../../transport/index.ts';
import { refuseUndeliverable } from './client-refusal.ts';
import type { DirectoryEntry, HeldFrame, HoldRefusal } from './directory.ts';
import { type DispatcherState, gateLink, out } from './dispatcher-state.ts';
import type { GamePeer } from './peers.ts';
import { migrationsGameGone } from './migration.ts';
import { replaceServices } from './services.ts';

/**
 * The dispatcher's routing operations, as functions of its state: forwarding to games (queued while a
 * game is frozen), holding frames for entities that cannot take them yet, and the answers a client is
 * owed when its call can never be delivered.
 */

export function forwardToGame(s: DispatcherState, gameId: number, type: number, body: Uint8Array): void {
  const game = s.peers.game(gameId);
  if (!game) {
    // A restarted dispatcher: the game may simply not have reconnected yet.
    if (s.run === 'starting' && s.waiting.hold(`game${gameId}`, type, body)) return;
    s.throttle.log('warn', 'no-game', { gameId, msg: messageSpec(type)?.name }, 'dropped a frame for a game that is not connected');
    return;
  }
  if (game.state === 'frozen') {
    if (!s.peers.holdForFrozen(game, type, body, s.opts.freezeQueueMaxFrames)) {
      declareGameDown(s, game, `freeze queue exceeded ${s.opts.freezeQueueMaxFrames} frames`);
    }
    return;
  }
  out(s, game.link!).send(type, body);
}

export function routeToEntity(s: DispatcherState, entityId: string, type: number, body: Uint8Array, sender: GamePeer | undefined): void {
  const entry = s.directory.get(entityId);
  if (!entry) {
    // Its game was declared down: no hold could ever end in a delivery, so the caller learns now.
    if (s.lost.get(entityId)) return undeliverable(s, entityId, type, body, sender?.id, 'UNREACHABLE');
    if (type === MSG.CALL_FROM_CLIENT.id || type === MSG.REQUEST_FROM_CLIENT.id || type === MSG.CLIENT_RESUME.id) {
      // A restarted dispatcher learns the entities from the games as they reconnect: until every game
      // is back, a client's call to an id it does not know yet is held (unplaced bounds), not refused.
      if (s.run !== 'starting') return undeliverable(s, entityId, type, body, undefined, 'UNKNOWN_ENTITY');
      const refused = s.directory.holdUnplaced(entityId, GATE_SENDER, type, body, s.now(), s.opts.maxHeldPerEntity);
      if (refused) refuse(s, refused, entityId, type, body, undefined);
      return;
    }
    if (type === MSG.NOTIFY_CLIENT_DISCONNECTED.id) {
      // Its entity is gone (destroyed, or it handed the client to another game): every game checks
      // whether it holds the client, and the giving game forwards it behind the hand-off.
      return broadcastGames(s, type, body);
    }
    // A gate sends no other entity-keyed frame (peer-rules).
    if (!sender) return;
    // A game may call an entity it has just created, whose create notice follows at the commit phase:
    // held until it shows up, within the pending bounds, as game code may pass on an id a client chose.
    const refused = s.directory.holdUnplaced(entityId, sender.id, type, body, s.now(), s.opts.maxHeldPerEntity);
    if (refused) refuse(s, refused, entityId, type, body, sender.id);
    return;
  }
  if (entry.state !== 'ready') {
    const refused = s.directory.hold(entry, type, body, s.opts.maxHeldPerEntity, sender?.id);
    if (refused) refuse(s, refused, entityId, type, body, sender?.id);
    return;
  }
  forwardToGame(s, entry.gameId, type, body);
}

/** The sender id gates' held frames are counted under in the unplaced budget (game ids start at 1). */
const GATE_SENDER = 0;

function refuse(s: DispatcherState, limit: HoldRefusal, entityId: string, type: number, body: Uint8Array, from: number | undefined): void {
  s.metrics?.refused(limit);
  s.throttle.log('warn', `refused:${limit}`, { limit, entityId, msg: messageSpec(type)?.name }, 'frame refused at a dispatcher limit; dropped');
  undeliverable(s, entityId, type, body, from, 'UNKNOWN_ENTITY');
}

/** A frame that can never be delivered: its sender is answered (a client with ERROR, a game with CALL_FAILED). */
export function undeliverable(s: DispatcherState, entityId: string, type: number, body: Uint8Array, from: number | undefined, code: ClientErrorName): void {
  const game = from === undefined ? undefined : s.peers.game(from);
  const link = game?.link ? out(s, game.link) : undefined;
  if (!refuseUndeliverable(s.codec, (g) => gateLink(s, g), { entityId, type, body, from: link, code })) return;
  s.faults.callFailed(code);
  s.throttle.log('warn', `undeliverable:${code}`, { entityId, code, msg: messageSpec(type)?.name }, 'answered a call that can never be delivered');
}

/** Frames that will never be delivered: whoever waits on one is told so. */
export function dropHeld(s: DispatcherState, entityId: string, frames: readonly HeldFrame[], code: ClientErrorName = 'UNKNOWN_ENTITY'): void {
  for (const frame of frames) undeliverable(s, entityId, frame.type, frame.body, frame.from, code);
}

export function release(s: DispatcherState, entityId: string, entry: DirectoryEntry | undefined, held: HeldFrame[]): void {
  if (!entry) return;
  s.lost.forget(entityId);
  for (const frame of held) forwardToGame(s, entry.gameId, frame.type, frame.body);
  if (held.length > 0) s.log.debug({ entityId, frames: held.length }, 'released held frames');
}

export function broadcastGames(s: DispatcherState, type: number, body: Uint8Array, exceptGameId = -1): void {
  for (const game of s.peers.games()) if (game.id !== exceptGameId) forwardToGame(s, game.id, type, body);
}

export function broadcastGates(s: DispatcherState, type: number, body: Uint8Array): void {
  for (const gate of s.peers.gates()) out(s, gate.link).send(type, body);
}

export function checkDeploymentReady(s: DispatcherState): void {
  if (s.run !== 'starting') return;
  if (s.peers.liveGameCount() < s.opts.expectedGames || s.peers.gateCount() < s.opts.expectedGates) return;
  s.run = 'ready';
  const dropped = s.waiting.clear();
  if (dropped > 0) s.log.warn({ frames: dropped }, 'frames held for peers that did not reconnect were dropped');
  s.log.info({ games: s.peers.liveGameCount(), gates: s.peers.gateCount() }, 'deployment ready');
  const body = s.codec.encode(MSG.DEPLOYMENT_READY, {});
  for (const game of s.peers.games()) if (game.link) out(s, game.link).send(MSG.DEPLOYMENT_READY.id, body);
  for (const gate of s.peers.gates()) out(s, gate.link).send(MSG.DEPLOYMENT_READY.id, body);
}

/**
 * A game is gone (its link closed, it went silent, or its freeze was never restored). Its entities are
 * remembered as lost, so calls to them fail at once; whoever waits on a frame held for one is told.
 */
export function declareGameDown(s: DispatcherState, game: GamePeer, why: string, reason = 'closed', silentMs?: number): void {
  // What was forwarded to it and never acknowledged (LINK_ACK) died unprocessed. A frozen game's link
  // is its old process, which applied everything sent before the freeze.
  const inFlight = game.state === 'frozen' ? [] : (game.link?.unacked() ?? []);
  migrationsGameGone(s, game.id);
  const removed = s.directory.removeGame(game.id);
  s.peers.removeGame(game.id);
  // Service shards are not lost: they are placed again on a live game at once (services.ts).
  const lost = replaceServices(s, removed, game.id);
  if (game.link) s.liveness.unwatch(game.link);
  game.link?.destroy();
  s.lost.mark(lost.map((d) => d.entityId), game.id, s.now());
  for (const d of lost) dropHeld(s, d.entityId, d.entry.held ?? [], 'UNREACHABLE');
  // With what was queued for a frozen game that never came back, in the order they were sent.
  reroute(s, [...inFlight, ...game.queue.splice(0)]);
  tellGatesLost(s, game.id, lost.map((d) => d.entityId));
  s.faults.down('game', reason, silentMs ?? 0);
  s.faults.setLost(s.lost.size);
  s.log.error(
    { gameId: game.id, why, entities: lost.length, ...(silentMs === undefined ? {} : { detectionMs: Math.round(silentMs) }) },
    'game declared down: calls to its entities fail with UNREACHABLE until it restarts',
  );
}

/**
 * Frames a game will never process (SPEC.md, "Delivery across a lost process"): a re-placed service
 * shard takes its own, in order, ahead of whatever arrives for it later; a call to a lost entity is
 * answered UNREACHABLE; anything else was for that game alone.
 */
export function reroute(s: DispatcherState, frames: readonly { type: number; body: Uint8Array }[]): void {
  for (const frame of frames) {
    const spec = messageSpec(frame.type);
    if (spec?.key !== 'entity' && spec?.key !== 'entityGateClient') continue;
    const entityId = readEntityKey(frame.body);
    if (s.services.shards.has(entityId) && s.directory.get(entityId)) routeToEntity(s, entityId, frame.type, frame.body, undefined);
    else dropHeld(s, entityId, [frame], 'UNREACHABLE');
  }
}

/** Ids per ENTITIES_LOST frame: 50,000 ids are about 0.9 MB, far below the frame limit. */
const LOST_CHUNK = 50_000;

/** Every gate learns which entities went with the game, and gives their clients a new boot entity. */
function tellGatesLost(s: DispatcherState, gameId: number, entityIds: readonly string[]): void {
  for (let i = 0; i < entityIds.length; i += LOST_CHUNK) {
    broadcastGates(s, MSG.ENTITIES_LOST.id, s.codec.encode(MSG.ENTITIES_LOST, { gameId, entityIds: entityIds.slice(i, i + LOST_CHUNK) }));
  }
}

export function ack(s: DispatcherState, link: Link): void {
  s.codec.encodeTo(out(s, link), MSG.HANDSHAKE_ACK, { dispatcherId: s.opts.id, protocolVersion: PROTOCOL_VERSION });
}

/** Sends a placement request to a game and expects the entity there (frames for it are held until then). */
export function placeOn(s: DispatcherState, game: GamePeer, entityId: string, type: number, body: Uint8Array): void {
  s.lost.forget(entityId);
  s.directory.expect(entityId, game.id, s.now());
  forwardToGame(s, game.id, type, body);
}
