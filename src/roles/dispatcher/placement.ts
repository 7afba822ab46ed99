import { MSG, ownedCopy, type MessageValue } from '../../protocol/index.ts';
import { UNPLACED } from './directory.ts';
import { type DispatcherState, out } from './dispatcher-state.ts';
import type { GamePeer } from './peers.ts';
import { forwardToGame, placeOn } from './routing.ts';

/**
 * GoWorld's placement calls, decided by the dispatcher of the new id (SPEC.md, "Placement"): a space
 * created on a given game or the least loaded one, a persistent entity loaded on a given game (single
 * instance cluster-wide), and every game told which games are online.
 */

function liveGame(s: DispatcherState, gameId: number): GamePeer | undefined {
  const game = s.peers.game(gameId);
  return game && game.state !== 'stopping' && (game.link !== null || game.state === 'frozen') ? game : undefined;
}

/** CREATE_SPACE: to the game named, or the least loaded one when it names none (0). */
export function onCreateSpace(s: DispatcherState, m: MessageValue<typeof MSG.CREATE_SPACE>, body: Uint8Array): void {
  const target = m.gameId === 0 ? s.peers.placeOnLeastLoaded() : liveGame(s, m.gameId);
  if (!target) return s.throttle.log('error', 'create-space-no-game', { spaceId: m.entityId, gameId: m.gameId }, 'create space: no such game connected; dropped');
  // Known here at once, so an enterSpace sent through this dispatcher right after finds it.
  s.migrations.spaces.set(m.entityId, target.id);
  forwardToGame(s, target.id, MSG.CREATE_SPACE.id, body);
}

/** LOAD_ENTITY_ON_GAME: as LOAD_ENTITY_ANYWHERE, on the game named. */
export function onLoadOnGame(s: DispatcherState, m: MessageValue<typeof MSG.LOAD_ENTITY_ON_GAME>, body: Uint8Array): void {
  const entry = s.directory.get(m.entityId);
  if (entry && entry.gameId !== UNPLACED) {
    // One instance: it exists or is being loaded; one being saved after a destroy is loaded on that game
    // once saved (loadAfterSave).
    if (entry.state === 'saving') s.migrations.loadsAfterSave.set(m.entityId, { gameId: m.gameId, body: ownedCopy(body) });
    return;
  }
  const target = liveGame(s, m.gameId);
  if (!target) return s.throttle.log('error', 'load-on-game-no-game', { entityId: m.entityId, gameId: m.gameId }, 'load on game: no such game connected; dropped');
  placeOn(s, target, m.entityId, MSG.LOAD_ENTITY_ON_GAME.id, body);
}

/**
 * A LOAD_ENTITY_ON_GAME arrived while the entity was being saved after a destroy: now that the save is
 * done, it is loaded on the game asked for, and the frames held meanwhile follow it there. False when no
 * such load waits (or its game is gone: then the entity stays unloaded, as after any destroy).
 */
export function loadAfterSave(s: DispatcherState, entityId: string): boolean {
  const waiting = s.migrations.loadsAfterSave.get(entityId);
  if (!waiting) return false;
  s.migrations.loadsAfterSave.delete(entityId);
  const target = liveGame(s, waiting.gameId);
  if (!target) return false;
  placeOn(s, target, entityId, MSG.LOAD_ENTITY_ON_GAME.id, waiting.body);
  return true;
}

/** Every game hears which games this dispatcher has (onlineGames()), whenever that changes. */
export function announceOnlineGames(s: DispatcherState, gone = -1): void {
  const games = [...s.peers.games()].filter((g) => g.id !== gone && g.state !== 'stopping');
  const body = s.codec.encode(MSG.ONLINE_GAMES, { dispatcherId: s.opts.id, gameIds: games.map((g) => g.id).sort((a, b) => a - b) });
  for (const game of games) if (game.link) out(s, game.link).send(MSG.ONLINE_GAMES.id, body);
}
