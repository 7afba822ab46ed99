import { DEFAULTS } from '../../config/deployment-schema.ts';
import type { EntityId } from '../../core/entity-id.ts';
import type { GameWorld } from '../../core/world-api.ts';
import { Position, Yaw } from '../../ecs/builtin-components.ts';
import { ATTR_OPS, MSG, type WireCodec } from '../../protocol/index.ts';
import { writePositionSyncFrame } from '../../protocol/position-frame.ts';
import type { Link } from '../../transport/index.ts';
import type { AttrDelta, ClientCall } from '../../core/world-api.ts';
import type { ClientView, ClientViews } from './client-views.ts';
import { joinSharedGroup, viewOwner, writeSharedGroups, type SharedGroup } from './outbound-shared.ts';

export interface OutboundDeps {
  world: GameWorld;
  views: ClientViews;
  codec: WireCodec;
  /** The dispatcher link that carries frames for a gate's clients; undefined while disconnected. */
  gateLink(gateId: number): Link | undefined;
  /** Which gate holds a client (learned when the client was bound to an entity here). */
  gateOf(clientId: string): number | undefined;
  /** True (once) when the client disconnected before its entity was bound: unbind instead of showing it. */
  takeGone(clientId: string): boolean;
  /** Position sync to a client whose link is degraded runs once every this many syncs; default 4. */
  degradedSyncDivisor?: number;
  /** Whether the dispatcher's link onwards to this gate is degraded (GATE_LINK_PRESSURE); counts like `link.degraded`. */
  gateDegraded?(gateId: number): boolean;
  /** Clients that see their whole space share its encoded batch (outbound-shared.ts); default true. */
  sharedBatches?: boolean;
  /** Position records shed under overload (tsworld_stream_records_total), reported once per sync. */
  onShed?(outcome: 'coalesced' | 'dropped', count: number): void;
}

export interface Outbound {
  /** Turns this tick's client bindings, AOI changes, attribute deltas and client calls into frames. */
  flushWorldEvents(): void;
  /** Sends each client the positions of the entities it sees that moved since the last sync. */
  syncPositions(): void;
  /** Ends the tick for every client view (entities created this tick stop being "fresh"). */
  endTick(): void;
}

const OP_CODE = {
  mapSet: ATTR_OPS.MAP_SET,
  mapDelete: ATTR_OPS.MAP_DEL,
  mapClear: ATTR_OPS.MAP_CLEAR,
  listSet: ATTR_OPS.LIST_SET,
  listAppend: ATTR_OPS.LIST_APPEND,
  listPop: ATTR_OPS.LIST_POP,
} as const;

/** Syncs between sweeps of the shared handles of entities that are gone. */
const SWEEP_EVERY_ROUNDS = 16;

/** The outbound phase's state, which its functions take as their first argument. */
interface OutboundState {
  readonly deps: OutboundDeps;
  readonly world: GameWorld;
  readonly views: ClientViews;
  readonly codec: WireCodec;
  // Per-entity last synced position (indexed by eid), so "moved" is found without systems marking it.
  sentX: Float32Array;
  sentY: Float32Array;
  sentZ: Float32Array;
  sentYaw: Float32Array;
  movedStamp: Uint32Array;
  syncRound: number;
  /** Records superseded this sync before they were sent (a degraded client's coalesced positions). */
  coalesced: number;
  readonly eidScratch: number[];
  readonly handleScratch: number[];
}

/**
 * The game's outbound phase. Order matters: bindings and AOI first (they decide who sees what), then
 * deltas and calls (which go only to clients that already know the entity), then positions.
 */
export function createOutbound(deps: OutboundDeps): Outbound {
  const s: OutboundState = {
    deps,
    world: deps.world,
    views: deps.views,
    codec: deps.codec,
    sentX: new Float32Array(1024),
    sentY: new Float32Array(1024),
    sentZ: new Float32Array(1024),
    sentYaw: new Float32Array(1024),
    movedStamp: new Uint32Array(1024),
    syncRound: 0,
    coalesced: 0,
    eidScratch: [],
    handleScratch: [],
  };
  return {
    flushWorldEvents: () => flushWorldEvents(s),
    syncPositions: () => syncPositions(s),
    endTick: () => s.views.endTick(),
  };
}

function createOnClient(s: OutboundState, view: ClientView, entityId: EntityId, isPlayer: boolean): void {
  const entity = s.world.entity(entityId);
  const link = s.deps.gateLink(view.gateId);
  if (!entity || entity.destroyed || !link) return;
  const handle = s.views.add(view, entityId, entity.eid);
  if (handle < 0) return;
  const p = entity.position();
  s.codec.encodeTo(link, MSG.CREATE_ENTITY_ON_CLIENT, {
    gateId: view.gateId,
    clientId: view.clientId,
    entityId,
    typeName: entity.typeName,
    isPlayer,
    handle,
    attrs: s.world.clientSnapshot(entityId, isPlayer ? 'owner' : 'observer') ?? {},
    x: p.x,
    y: p.y,
    z: p.z,
    yaw: entity.yaw,
  });
}

function destroyOnClient(s: OutboundState, view: ClientView, entityId: EntityId): void {
  // A position still owed for an entity the client no longer sees has nothing newer to replace it.
  if (view.pending?.delete(entityId)) s.deps.onShed?.('dropped', 1);
  const handle = s.views.remove(view, entityId);
  const link = s.deps.gateLink(view.gateId);
  if (handle < 0 || !link) return;
  s.codec.encodeTo(link, MSG.DESTROY_ENTITY_ON_CLIENT, {
    gateId: view.gateId,
    clientId: view.clientId,
    entityId,
    handle,
  });
}

function bind(s: OutboundState, entityId: EntityId, clientId: string): void {
  if (s.deps.takeGone(clientId)) {
    s.world.setClient(entityId, null);
    return;
  }
  const gateId = s.deps.gateOf(clientId);
  if (gateId === undefined) return;
  const view = s.views.open(clientId, gateId, entityId);
  createOnClient(s, view, entityId, true);
  for (const other of s.world.interestedIn(entityId)) createOnClient(s, view, other, false);
}

function unbind(s: OutboundState, clientId: string): void {
  const view = s.views.get(clientId);
  if (!view) return;
  for (const entityId of [...view.handles.keys()]) destroyOnClient(s, view, entityId);
  s.views.close(clientId);
}

/** Clients that see `entityId` through its AOI, plus its own client. */
function audience(s: OutboundState, entityId: EntityId, includeObservers: boolean): ClientView[] {
  const out: ClientView[] = [];
  const entity = s.world.entity(entityId);
  const own = entity?.client ? s.views.get(entity.client) : undefined;
  if (own) out.push(own);
  if (!includeObservers) return out;
  for (const watcher of s.world.interestedBy(entityId)) {
    const client = s.world.entity(watcher)?.client;
    const view = client ? s.views.get(client) : undefined;
    if (view && view !== own && view.handles.has(entityId)) out.push(view);
  }
  return out;
}

function sendDeltas(s: OutboundState, entityId: EntityId, deltas: readonly AttrDelta[]): void {
  const ownerOps: unknown[] = [];
  const observerOps: unknown[] = [];
  for (const d of deltas) {
    // Wire form, see SPEC.md: [opcode, containerPath (outermost first), key | null, value | null].
    const op = [OP_CODE[d.op], d.path, d.key ?? null, d.value ?? null];
    ownerOps.push(op);
    if (d.sync === 'allClients') observerOps.push(op);
  }
  const entity = s.world.entity(entityId);
  const ownView = entity?.client ? s.views.get(entity.client) : undefined;
  for (const view of audience(s, entityId, observerOps.length > 0)) {
    const ops = view === ownView ? ownerOps : observerOps;
    // Created on this client this tick: the snapshot it got already holds these changes.
    if (ops.length === 0 || view.fresh?.has(entityId) === true || !view.handles.has(entityId)) continue;
    const link = s.deps.gateLink(view.gateId);
    if (link) s.codec.encodeTo(link, MSG.ATTR_DELTA, { gateId: view.gateId, clientId: view.clientId, entityId, ops });
  }
}

function sendClientCall(s: OutboundState, call: ClientCall): void {
  for (const view of audience(s, call.entity, call.to === 'all')) {
    const link = s.deps.gateLink(view.gateId);
    if (!link || !view.handles.has(call.entity)) continue;
    s.codec.encodeTo(link, MSG.CALL_ENTITY_METHOD_ON_CLIENT, {
      gateId: view.gateId,
      clientId: view.clientId,
      entityId: call.entity,
      method: call.method,
      args: [...call.args],
    });
  }
}

function flushWorldEvents(s: OutboundState): void {
  const { world, views } = s;
  world.drainClientEvents((e) => (e.kind === 'bind' ? bind(s, e.entity, e.client) : unbind(s, e.client)));
  world.drainAoiEvents((kind, watcher, target) => {
    const view = watcher.client ? views.get(watcher.client) : undefined;
    if (!view || view.owner !== watcher.id) return;
    if (kind === 'enter') createOnClient(s, view, target.id, false);
    else destroyOnClient(s, view, target.id);
  });
  world.drainAttrDeltas((entity, deltas) => sendDeltas(s, entity.id, deltas));
  world.drainClientCalls((call) => sendClientCall(s, call));
}

function ensureTrack(s: OutboundState, eid: number): void {
  if (eid < s.sentX.length) return;
  const grow = <T extends Float32Array | Uint32Array>(a: T): T => {
    const next = new (a.constructor as new (n: number) => T)(Math.max(eid + 1, a.length * 2));
    next.set(a);
    return next;
  };
  s.sentX = grow(s.sentX);
  s.sentY = grow(s.sentY);
  s.sentZ = grow(s.sentZ);
  s.sentYaw = grow(s.sentYaw);
  s.movedStamp = grow(s.movedStamp);
}

/** Whether the entity moved since its last sync; decided once per sync round, for every client. */
function movedThisRound(s: OutboundState, eid: number, round: number, pos: { x: Float32Array; y: Float32Array; z: Float32Array }, yaw: Float32Array): boolean {
  ensureTrack(s, eid);
  if (s.movedStamp[eid] !== round) {
    const moved = s.sentX[eid] !== pos.x[eid] || s.sentY[eid] !== pos.y[eid] || s.sentZ[eid] !== pos.z[eid] || s.sentYaw[eid] !== yaw[eid];
    s.movedStamp[eid] = moved ? round : 0;
    if (!moved) return false;
    s.sentX[eid] = pos.x[eid];
    s.sentY[eid] = pos.y[eid];
    s.sentZ[eid] = pos.z[eid];
    s.sentYaw[eid] = yaw[eid];
  }
  return s.movedStamp[eid] === round;
}

/**
 * Fills the scratch arrays with what one client gets this round. Skipped (its link is degraded and this
 * is not one of its rounds), what moved is only remembered in `view.pending`; the next round that goes
 * out carries each remembered entity once, at its newest position. A position sync supersedes the last,
 * so nothing owed is lost: only intermediate states are.
 */
function collectView(s: OutboundState, view: ClientView, round: number, skip: boolean, pos: { x: Float32Array; y: Float32Array; z: Float32Array }, yaw: Float32Array): void {
  const { world, eidScratch, handleScratch } = s;
  eidScratch.length = 0;
  handleScratch.length = 0;
  const pending = skip ? (view.pending ??= new Set()) : view.pending;
  const fresh = view.fresh;
  // forEach, not for-of: the iterator makes an [entity, handle] pair per entry, every view, every sync.
  view.handles.forEach((handle, entityId, known) => {
    // By eid where the view knows it; the id check catches an eid reused since (the id lookup decides then).
    let entity = known >= 0 ? world.entityByEid(known) : undefined;
    if (entity === undefined || entity.id !== entityId) {
      entity = world.entity(entityId);
      if (entity !== undefined) view.handles.learnEid(entityId, entity.eid);
    }
    if (!entity || entity.destroyed || (fresh !== null && fresh.has(entityId))) return;
    const eid = entity.eid;
    const moved = movedThisRound(s, eid, round, pos, yaw);
    const owed = pending !== null && pending.size > 0 && pending.has(entityId);
    if (skip) {
      if (!moved) return;
      if (owed) s.coalesced++;
      else pending!.add(entityId);
      return;
    }
    if (!moved && !owed) return;
    if (moved && owed) s.coalesced++;
    eidScratch.push(eid);
    handleScratch.push(handle);
  });
  // Back to none once what was owed went out: a link that recovered costs nothing more.
  if (!skip) view.pending = null;
}

/**
 * A view of its own player alone, and the player did not move: nothing to send, found without walking
 * the view or looking the entity up. Most idle clients are this, every sync.
 */
function ownerAtRest(s: OutboundState, view: ClientView, round: number, pos: { x: Float32Array; y: Float32Array; z: Float32Array }, yaw: Float32Array): boolean {
  if (view.handles.size !== 1 || view.pending !== null || view.fresh !== null) return false;
  const owner = viewOwner(s.world, view);
  // A destroyed owner, or an entry that is not the owner, takes the walk.
  if (owner === null || owner.destroyed || !view.handles.has(view.owner)) return false;
  return !movedThisRound(s, owner.eid, round, pos, yaw);
}

function syncPositions(s: OutboundState): void {
  const { world, views, eidScratch, handleScratch } = s;
  s.syncRound = (s.syncRound + 1) >>> 0 || 1;
  const round = s.syncRound;
  const pos = world.store(Position);
  const yaw = world.store(Yaw);
  const src = { x: pos.x, y: pos.y, z: pos.z, yaw: yaw.yaw };
  const divisor = Math.max(1, s.deps.degradedSyncDivisor ?? DEFAULTS.game.degradedSyncDivisor);
  const groups = new Map<string, SharedGroup>();
  const shared = s.deps.sharedBatches !== false;
  s.coalesced = 0;
  for (const view of views.all()) {
    const link = s.deps.gateLink(view.gateId);
    if (!link) continue;
    const skip = (link.degraded || s.deps.gateDegraded?.(view.gateId) === true) && round % divisor !== 0;
    if (!skip && (ownerAtRest(s, view, round, pos, yaw.yaw) || (shared && joinSharedGroup(world, groups, view)))) continue;
    collectView(s, view, round, skip, pos, yaw.yaw);
    if (!skip && eidScratch.length > 0) {
      writePositionSyncFrame(link, view.gateId, view.clientId, src, eidScratch, handleScratch, eidScratch.length);
    }
  }
  writeSharedGroups(groups, views, src, (eid) => movedThisRound(s, eid, round, pos, yaw.yaw), s.deps.gateLink);
  if (s.coalesced > 0) s.deps.onShed?.('coalesced', s.coalesced);
  // Every so often, not every sync: a gone entity's handle only matters once handles run short.
  if (round % SWEEP_EVERY_ROUNDS === 0) views.shared.sweep((id) => world.entity(id)?.destroyed === false);
}
