import type { EntityId } from '../../core/entity-id.ts';
import type { AnyEntity, Vec3 } from '../../core/entity.ts';
import { isEntityId } from '../../core/entity-id.ts';
import { migrateIn, migrateOut, type MigrateData } from '../../core/world-migrate.ts';
import { MSG, type MessageValue } from '../../protocol/index.ts';
import type { Link } from '../../transport/index.ts';
import { type GameState, gateLink, linkFor } from './game-state.ts';

/**
 * The game's side of migration (SPEC.md, "Migration"): `enterSpace` to a space another game holds asks
 * the entity's dispatcher, which queues the entity's frames and acks; the entity is then packed and
 * dropped here (onMigrateOut) and made on the target (onMigrateIn), whose MIGRATE_DONE releases the
 * queue. The client keeps its connection: it is told to forget what it saw here, and the target shows it
 * the entity and its new neighbours. SPACE_CHANGED tells a client its player's space and game.
 */
export interface GameMigration {
  /** Entities whose migration this game asked for and the dispatcher has not answered yet. */
  readonly requested: Set<EntityId>;
  /** Per client, the space it was last told its player is in. */
  readonly told: Map<string, string>;
  /** Spaces of this world the dispatchers have been told of. */
  readonly announced: Set<string>;
  /** Clients whose player arrived here between ticks: told their space in the flush that shows it to them. */
  readonly arrived: Set<string>;
  /** The tick whose changes (spaces made or gone, players moved) were last looked at. */
  scannedTick: number;
  /** world.membershipChanges at the last scan that told every client: none since, nothing to tell. */
  scannedChanges: number;
}

export function createGameMigration(): GameMigration {
  return { requested: new Set(), told: new Map(), announced: new Set(), arrived: new Set(), scannedTick: -1, scannedChanges: -1 };
}

/** Game code hears of a refusal through the entity's onMigrateFailed hook; it is logged either way. */
function failed(s: GameState, entityId: EntityId, spaceId: string, code: string, message: string): void {
  s.codeErrors.log('warn', `migrate:${code}`, { entityId, spaceId, code }, `migration refused: ${message}`);
  const entity = s.world.entity(entityId);
  const hook = entity?.type.hooks.onMigrateFailed;
  if (!entity || entity.destroyed || hook === undefined) return;
  try {
    hook(entity, { spaceId, code, message }, s.world);
  } catch (err) {
    s.health.record(err, `${entity.typeName}.onMigrateFailed`);
    s.codeErrors.log('error', 'hook:onMigrateFailed', { err }, 'onMigrateFailed failed');
  }
}

/** The world's enterRemoteSpace: asks the entity's dispatcher to move it to the game that holds `spaceId`. */
export function requestMigration(s: GameState, entity: AnyEntity, spaceId: string, position: Vec3 | undefined): void {
  const m = s.migration;
  if (m.requested.has(entity.id)) return failed(s, entity.id, spaceId, 'MIGRATION_IN_PROGRESS', `entity ${entity.id} is already migrating`);
  const link = linkFor(s, entity.id);
  if (!link) return failed(s, entity.id, spaceId, 'TRANSPORT_FAILURE', `the dispatcher of entity ${entity.id} is not connected`);
  m.requested.add(entity.id);
  const p = position ?? { x: 0, y: 0, z: 0 };
  s.codec.encodeTo(link, MSG.MIGRATE_REQUEST, { entityId: entity.id, spaceId, hasPosition: position !== undefined, ...p });
}

/** The client forgets what it saw here, but not its player: the target's CREATE replaces it. */
function leaveClientView(s: GameState, clientId: string, owner: EntityId): void {
  const view = s.views.get(clientId);
  if (!view) return;
  const link = gateLink(s, view.gateId);
  for (const [entityId, handle] of view.handles) {
    if (entityId !== owner && link) s.codec.encodeTo(link, MSG.DESTROY_ENTITY_ON_CLIENT, { gateId: view.gateId, clientId, entityId, handle });
  }
  s.views.close(clientId);
}

/**
 * MIGRATE_ACK: the dispatcher queues the entity's frames now; it is packed and dropped at once (frames
 * are applied outside the tick's systems), and its data leaves with this turn's flush.
 */
export function onMigrateAck(s: GameState, m: MessageValue<typeof MSG.MIGRATE_ACK>): void {
  s.migration.requested.delete(m.entityId);
  const link = linkFor(s, m.entityId);
  const entity = s.world.entity(m.entityId);
  const abort = () => {
    if (link) s.codec.encodeTo(link, MSG.MIGRATE_ABORT, { entityId: m.entityId });
  };
  if (!entity || entity.destroyed) return abort();
  const fromSpace = entity.space.id;
  migrateOut(s.world, m.entityId, m.spaceId, (data) => {
    if (m.hasPosition) data.components.Position = { x: m.x, y: m.y, z: m.z };
    s.persistence.forget(m.entityId);
    const gateId = data.client === null ? 0 : (s.clientGates.get(data.client) ?? 0);
    if (data.client !== null) {
      leaveClientView(s, data.client, m.entityId);
      s.clientGates.delete(data.client);
      s.migration.told.delete(data.client);
      // A client in its resume grace goes with the entity; the target keeps the period (gateId 0 says so).
      s.grace.end(data.client);
    }
    if (!link) return s.log.error({ entityId: m.entityId }, 'migration: the dispatcher link went away; the entity is lost');
    afterOtherLinks(s, link, () => {
      s.codec.encodeTo(link, MSG.MIGRATE_DATA, { entityId: m.entityId, gateId, fromSpace, data });
      link.flush();
    });
  }, { failed: abort, immediate: true });
}

/**
 * Runs `send` once every other dispatcher has processed what this game sent it so far. With several
 * dispatchers, what the entity sent before it left (replies to its client, calls to other entities)
 * takes other links than its hand-off: without this barrier its new game could answer the client, or
 * get a reply, ahead of them (a reply seen before an earlier one). Dispatchers forward a frame before
 * they acknowledge it, so after the barrier those frames are ahead of anything the new game sends. A
 * link that closes releases the barrier (its frames are replayed after a restart, order not kept).
 * The freeze waits for the barrier: the entity is in no snapshot until its data has left.
 */
function afterOtherLinks(s: GameState, own: Link, send: () => void): void {
  const others = s.links.filter((l): l is Link => l !== undefined && l !== own);
  if (others.length === 0) return send();
  let waiting = others.length;
  void s.inflight.track(new Promise<void>((resolve) => {
    const one = () => {
      if (--waiting > 0) return;
      send();
      resolve();
    };
    for (const l of others) {
      l.whenAcked(one);
      // What is batched must be written for it to be acknowledged.
      l.flush();
    }
  }));
}

export function onMigrateRefused(s: GameState, m: MessageValue<typeof MSG.MIGRATE_REFUSED>): void {
  s.migration.requested.delete(m.entityId);
  failed(s, m.entityId, m.spaceId, m.code, m.message);
}

function isMigrateData(value: unknown, entityId: EntityId): value is MigrateData {
  const d = value as MigrateData;
  return typeof d === 'object' && d !== null && d.id === entityId && typeof d.type === 'string' && isEntityId(d.space) &&
    (d.client === null || typeof d.client === 'string') && typeof d.attrs === 'object' && typeof d.components === 'object' && Array.isArray(d.timers);
}

/** MIGRATE_IN: the entity arrives (or comes back, its target gone); MIGRATE_DONE follows once it is alive. */
export function onMigrateIn(s: GameState, m: MessageValue<typeof MSG.MIGRATE_IN>): void {
  const link: Link | undefined = linkFor(s, m.entityId);
  const refuse = (why: string) => {
    s.log.error({ entityId: m.entityId, why }, 'cannot take a migrating entity; giving it back');
    if (link) s.codec.encodeTo(link, MSG.MIGRATE_ABORT, { entityId: m.entityId });
  };
  if (!isMigrateData(m.data, m.entityId)) return refuse('malformed migration data');
  const data = m.data;
  if (m.returning) data.space = s.world.space(m.fromSpace) ? m.fromSpace : s.world.nilSpace.id;
  if (!s.world.space(data.space)) data.space = s.world.nilSpace.id;
  if (s.world.entity(data.id)) return refuse('an entity with that id exists here');
  if (data.client !== null && m.gateId > 0) s.clientGates.set(data.client, m.gateId);
  if (data.client !== null) s.migration.arrived.add(data.client);
  // Bound but not connected (its connection dropped before the move): it may still resume, here.
  if (data.client !== null && m.gateId === 0) s.grace.start(data.client, data.id, 'connection-lost', s.opts.runtime.clock.now());
  try {
    migrateIn(s.world, data, {
      announceClient: true,
      immediate: true,
      arrived: (id) => {
        if (link) s.codec.encodeTo(link, MSG.MIGRATE_DONE, { entityId: id });
      },
    });
  } catch (err) {
    refuse(err instanceof Error ? err.message : String(err));
  }
}

/** Sends SPACES_ANNOUNCE: the whole list on `link` (after a hello), else what changed, to every dispatcher. */
export function announceSpaces(s: GameState, link?: Link): void {
  const now = new Set(s.world.spaces().filter((sp) => !sp.isNil && !sp.destroyed).map((sp) => sp.id));
  if (link) return void s.codec.encodeTo(link, MSG.SPACES_ANNOUNCE, { gameId: s.opts.id, full: true, created: [...now], destroyed: [] });
  const created = [...now].filter((id) => !s.migration.announced.has(id));
  const destroyed = [...s.migration.announced].filter((id) => !now.has(id));
  if (created.length === 0 && destroyed.length === 0) return;
  for (const id of created) s.migration.announced.add(id);
  for (const id of destroyed) s.migration.announced.delete(id);
  for (const l of s.links) if (l) s.codec.encodeTo(l, MSG.SPACES_ANNOUNCE, { gameId: s.opts.id, full: false, created, destroyed });
}

/** Tells a client its player's space if it changed. False when it could not (no link to its gate). */
function tellSpace(s: GameState, clientId: string): boolean {
  const view = s.views.get(clientId);
  const owner = view ? s.world.entity(view.owner) : undefined;
  if (!view || !owner || owner.destroyed) return true;
  const spaceId = owner.space.id;
  if (s.migration.told.get(clientId) === spaceId) return true;
  const link = gateLink(s, view.gateId);
  if (!link) return false;
  s.migration.told.set(clientId, spaceId);
  s.codec.encodeTo(link, MSG.SPACE_CHANGED, { gateId: view.gateId, clientId, spaceId, gameId: s.opts.id });
  return true;
}

/**
 * After the client events of a tick (or of a turn of arrivals): spaces announced, players told their
 * space. Spaces and players change space at the commit phase, so the whole scan runs once per tick; a
 * player that migrated in between ticks is told in the flush that shows it to its client.
 */
export function afterClientEvents(s: GameState): void {
  const m = s.migration;
  for (const clientId of m.arrived) tellSpace(s, clientId);
  m.arrived.clear();
  if (m.scannedTick === s.world.tick) return;
  m.scannedTick = s.world.tick;
  announceSpaces(s);
  // Every client, but only in a tick where some entity changed space or binding: with 10,000 idle
  // clients this scan was the game's largest cost at rest.
  const changes = s.world.membershipChanges;
  if (changes === m.scannedChanges) return;
  let told = true;
  for (const view of s.views.all()) told = tellSpace(s, view.clientId) && told;
  // A client that could not be told (its gate's link is down) is tried again next tick.
  if (told) m.scannedChanges = changes;
  if (m.told.size > 2 * s.views.size + 64) for (const clientId of m.told.keys()) if (!s.views.get(clientId)) m.told.delete(clientId);
}
