import { gameOfNilSpace } from '../../core/space.ts';
import type { Metrics } from '../../observability/index.ts';
import { createMigrationMetrics, type MigrationMetrics } from '../../observability/migration-metrics.ts';
import { MSG, type MessageValue } from '../../protocol/index.ts';
import { type DispatcherState, out } from './dispatcher-state.ts';
import type { OwnFrame } from './own-frames.ts';
import type { GamePeer } from './peers.ts';
import { announceOnlineGames } from './placement.ts';
import { forwardToGame, release } from './routing.ts';

/**
 * The dispatcher's side of migration (SPEC.md, "Migration"). The entity's own dispatcher owns the
 * hand-off: from MIGRATE_ACK on, every frame for the entity is held (directory state `migrating`), and
 * MIGRATE_DONE from the game that now has it routes the entity there and releases them in order. The
 * packed entity is kept here until then, so that a target that goes down (or cannot take it) gives it
 * back to the source: it is on exactly one game, or on none only if the source itself went down.
 */
export interface Migration {
  readonly from: number;
  /** Where the entity is going: the target, or the source once the target went down or refused it. */
  to: number;
  readonly spaceId: string;
  /** The packed entity (MIGRATE_DATA), once the source sent it. */
  data: { gateId: number; fromSpace: string; data: unknown } | null;
}

export interface MigrationBook {
  readonly active: Map<string, Migration>;
  /** Space id → the game that holds it, as every game announces its spaces (SPACES_ANNOUNCE). */
  readonly spaces: Map<string, number>;
  /** LOAD_ENTITY_ON_GAME frames that wait for the entity's final save (placement.ts loadAfterSave). */
  readonly loadsAfterSave: Map<string, { gameId: number; body: Uint8Array }>;
  readonly metrics: MigrationMetrics;
}

export function createMigrationBook(metrics: Metrics | undefined): MigrationBook {
  return { active: new Map(), spaces: new Map(), loadsAfterSave: new Map(), metrics: createMigrationMetrics(metrics) };
}

export function onSpacesAnnounce(f: OwnFrame, game: GamePeer, m: MessageValue<typeof MSG.SPACES_ANNOUNCE>): void {
  const { spaces } = f.s.migrations;
  if (m.full) for (const [id, gameId] of spaces) if (gameId === game.id) spaces.delete(id);
  for (const id of m.destroyed) if (spaces.get(id) === game.id) spaces.delete(id);
  for (const id of m.created) spaces.set(id, game.id);
}

/** The game that holds `spaceId`: a nil space names its game, any other was announced. */
function spaceGame(s: DispatcherState, spaceId: string): number | undefined {
  return gameOfNilSpace(spaceId) ?? s.migrations.spaces.get(spaceId);
}

type Refusal = { code: string; message: string };

function check(s: DispatcherState, game: GamePeer, entityId: string, spaceId: string): Refusal | number {
  const entry = s.directory.get(entityId);
  if (s.migrations.active.has(entityId) || entry?.state === 'migrating') {
    return { code: 'MIGRATION_IN_PROGRESS', message: `entity ${entityId} is already migrating` };
  }
  if (!entry || entry.gameId !== game.id || entry.state !== 'ready') {
    return { code: 'INVALID_STATE', message: `entity ${entityId} is not routed to game ${game.id} now` };
  }
  const target = spaceGame(s, spaceId);
  if (target === undefined || target === game.id) return { code: 'UNKNOWN_SPACE', message: `no game holds space ${spaceId}` };
  const peer = s.peers.game(target);
  if (!peer || peer.state === 'stopping' || (peer.state === 'live' && !peer.link)) {
    return { code: 'UNREACHABLE', message: `game ${target} of space ${spaceId} is not connected` };
  }
  return target;
}

/** MIGRATE_REQUEST: the source asks to move one of its entities to the game that holds `spaceId`. */
export function onMigrateRequest(f: OwnFrame, game: GamePeer, m: MessageValue<typeof MSG.MIGRATE_REQUEST>): void {
  const { s } = f;
  const target = check(s, game, m.entityId, m.spaceId);
  if (typeof target !== 'number') {
    s.migrations.metrics.ended('refused');
    s.codec.encodeTo(out(s, f.link), MSG.MIGRATE_REFUSED, { entityId: m.entityId, spaceId: m.spaceId, ...target });
    return;
  }
  const entry = s.directory.get(m.entityId)!;
  entry.state = 'migrating';
  entry.since = s.now();
  s.migrations.active.set(m.entityId, { from: game.id, to: target, spaceId: m.spaceId, data: null });
  s.migrations.metrics.setActive(s.migrations.active.size);
  // Frames forwarded to the source before this are ahead of the ack on its link: it handles them first.
  const ack = { entityId: m.entityId, spaceId: m.spaceId, gameId: target, hasPosition: m.hasPosition, x: m.x, y: m.y, z: m.z };
  forwardToGame(s, game.id, MSG.MIGRATE_ACK.id, s.codec.encode(MSG.MIGRATE_ACK, ack));
}

function sendIn(s: DispatcherState, entityId: string, mig: Migration): void {
  const data = mig.data!;
  const body = s.codec.encode(MSG.MIGRATE_IN, { entityId, gateId: data.gateId, returning: mig.to === mig.from, fromSpace: data.fromSpace, data: data.data });
  const entry = s.directory.get(entityId);
  // Owned by where it goes: the source going down now must not take it with it.
  if (entry) entry.gameId = mig.to;
  forwardToGame(s, mig.to, MSG.MIGRATE_IN.id, body);
}

/** MIGRATE_DATA: the source packed the entity and dropped it; it goes to the target. */
export function onMigrateData(f: OwnFrame, game: GamePeer, m: MessageValue<typeof MSG.MIGRATE_DATA>): void {
  const mig = f.s.migrations.active.get(m.entityId);
  if (!mig || mig.from !== game.id || mig.data !== null) {
    return f.s.log.error({ entityId: m.entityId, gameId: game.id }, 'migration data for no migration of this game; dropped');
  }
  mig.data = { gateId: m.gateId, fromSpace: m.fromSpace, data: m.data };
  sendIn(f.s, m.entityId, mig);
}

/**
 * MIGRATE_ABORT: the source could not pack it (destroyed meanwhile), or the target could not take it.
 * The first leaves routing as it was; the second gives the packed entity back to the source.
 */
export function onMigrateAbort(f: OwnFrame, game: GamePeer, entityId: string): void {
  const { s } = f;
  const mig = s.migrations.active.get(entityId);
  if (!mig) return;
  if (mig.data === null && game.id === mig.from) {
    end(s, entityId, 'aborted');
    const entry = s.directory.get(entityId);
    if (entry?.state === 'migrating') release(s, entityId, entry, s.directory.ready(entityId, game.id));
    return;
  }
  if (mig.data !== null && game.id === mig.to && mig.to !== mig.from) giveBack(s, entityId, mig, `game ${game.id} could not take it`);
}

function giveBack(s: DispatcherState, entityId: string, mig: Migration, why: string): void {
  s.log.warn({ entityId, from: mig.from, to: mig.to, why }, 'migration given back to its source');
  mig.to = mig.from;
  if (mig.data !== null) sendIn(s, entityId, mig);
}

/** MIGRATE_DONE: the entity is alive on `game`; it is routed there and what was queued follows in order. */
export function onMigrateDone(f: OwnFrame, game: GamePeer, entityId: string): void {
  const { s } = f;
  const mig = s.migrations.active.get(entityId);
  if (mig && mig.to !== game.id) return s.log.error({ entityId, gameId: game.id, expected: mig.to }, 'migration done on an unexpected game; ignored');
  if (mig) end(s, entityId, mig.to === mig.from ? 'returned' : 'done');
  release(s, entityId, s.directory.get(entityId), s.directory.ready(entityId, game.id));
}

function end(s: DispatcherState, entityId: string, outcome: 'done' | 'returned' | 'aborted' | 'lost'): void {
  s.migrations.active.delete(entityId);
  s.migrations.metrics.ended(outcome);
  s.migrations.metrics.setActive(s.migrations.active.size);
}

/**
 * A game is gone (declared down, or stopped), before its entities are dropped from the directory:
 * migrations towards it go back to their source, and migrations that had not left it go with it.
 */
export function migrationsGameGone(s: DispatcherState, gameId: number): void {
  // The other games learn it is gone (onlineGames()) in the same step.
  announceOnlineGames(s, gameId);
  for (const [id, gameOfSpace] of s.migrations.spaces) if (gameOfSpace === gameId) s.migrations.spaces.delete(id);
  for (const [entityId, mig] of [...s.migrations.active]) {
    if (mig.to === gameId && mig.from !== gameId && s.peers.game(mig.from)) giveBack(s, entityId, mig, `game ${gameId} went down`);
    else if (mig.to === gameId || (mig.from === gameId && mig.data === null)) {
      end(s, entityId, 'lost');
      const entry = s.directory.get(entityId);
      // Routed to the gone game, so the directory drops it with the game's other entities.
      if (entry) entry.gameId = gameId;
    }
  }
}

/**
 * The pending sweep dropped a migrating entity (no MIGRATE_DONE within `pendingTimeoutMs`): its record
 * goes too, or abandoned hand-offs would stay in memory for good. A DONE that still comes routes the
 * entity where it arrived (onMigrateDone without a record); packed data that comes is dropped, logged.
 */
export function migrationSwept(s: DispatcherState, entityId: string): void {
  const mig = s.migrations.active.get(entityId);
  if (!mig) return;
  s.log.error({ entityId, from: mig.from, to: mig.to, packed: mig.data !== null }, 'migration did not complete within the pending timeout; abandoned');
  end(s, entityId, 'lost');
}
