import type { EntityId } from '../../core/entity-id.ts';
import type { GameWorld } from '../../core/world-api.ts';
import { Position, Yaw } from '../../ecs/builtin-components.ts';
import { ATTR_OPS, MSG, type WireCodec } from '../../protocol/index.ts';
import { writePositionSyncFrame } from '../../protocol/position-frame.ts';
import type { Link } from '../../transport/index.ts';
import type { AttrDelta } from '../../core/world-api.ts';
import type { ClientView, ClientViews } from './client-views.ts';

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

/**
 * The game's outbound phase. Order matters: bindings and AOI first (they decide who sees what), then
 * deltas and calls (which go only to clients that already know the entity), then positions.
 */
export function createOutbound(deps: OutboundDeps): Outbound {
  const { world, views, codec } = deps;
  // Per-entity last synced position (indexed by eid), so "moved" is found without systems marking it.
  let sentX = new Float32Array(1024);
  let sentY = new Float32Array(1024);
  let sentZ = new Float32Array(1024);
  let sentYaw = new Float32Array(1024);
  let movedStamp = new Uint32Array(1024);
  let syncRound = 0;
  const eidScratch: number[] = [];
  const handleScratch: number[] = [];

  function createOnClient(view: ClientView, entityId: EntityId, isPlayer: boolean): void {
    const entity = world.entity(entityId);
    const link = deps.gateLink(view.gateId);
    if (!entity || entity.destroyed || !link) return;
    const handle = views.add(view, entityId);
    if (handle < 0) return;
    const p = entity.position();
    codec.encodeTo(link, MSG.CREATE_ENTITY_ON_CLIENT, {
      gateId: view.gateId,
      clientId: view.clientId,
      entityId,
      typeName: entity.typeName,
      isPlayer,
      handle,
      attrs: world.clientSnapshot(entityId, isPlayer ? 'owner' : 'observer') ?? {},
      x: p.x,
      y: p.y,
      z: p.z,
      yaw: entity.yaw,
    });
  }

  function destroyOnClient(view: ClientView, entityId: EntityId): void {
    const handle = views.remove(view, entityId);
    const link = deps.gateLink(view.gateId);
    if (handle < 0 || !link) return;
    codec.encodeTo(link, MSG.DESTROY_ENTITY_ON_CLIENT, {
      gateId: view.gateId,
      clientId: view.clientId,
      entityId,
      handle,
    });
  }

  function bind(entityId: EntityId, clientId: string): void {
    if (deps.takeGone(clientId)) {
      world.setClient(entityId, null);
      return;
    }
    const gateId = deps.gateOf(clientId);
    if (gateId === undefined) return;
    const view = views.open(clientId, gateId, entityId);
    createOnClient(view, entityId, true);
    for (const other of world.interestedIn(entityId)) createOnClient(view, other, false);
  }

  function unbind(clientId: string): void {
    const view = views.get(clientId);
    if (!view) return;
    for (const entityId of [...view.handles.keys()]) destroyOnClient(view, entityId);
    views.close(clientId);
  }

  /** Clients that see `entityId` through its AOI, plus its own client. */
  function audience(entityId: EntityId, includeObservers: boolean): ClientView[] {
    const out: ClientView[] = [];
    const entity = world.entity(entityId);
    const own = entity?.client ? views.get(entity.client) : undefined;
    if (own) out.push(own);
    if (!includeObservers) return out;
    for (const watcher of world.interestedBy(entityId)) {
      const client = world.entity(watcher)?.client;
      const view = client ? views.get(client) : undefined;
      if (view && view !== own && view.handles.has(entityId)) out.push(view);
    }
    return out;
  }

  function sendDeltas(entityId: EntityId, deltas: readonly AttrDelta[]): void {
    const ownerOps: unknown[] = [];
    const observerOps: unknown[] = [];
    for (const d of deltas) {
      // Wire form, see SPEC.md: [opcode, containerPath (outermost first), key | null, value | null].
      const op = [OP_CODE[d.op], d.path, d.key ?? null, d.value ?? null];
      ownerOps.push(op);
      if (d.sync === 'allClients') observerOps.push(op);
    }
    const entity = world.entity(entityId);
    const ownView = entity?.client ? views.get(entity.client) : undefined;
    for (const view of audience(entityId, observerOps.length > 0)) {
      const ops = view === ownView ? ownerOps : observerOps;
      // Created on this client this tick: the snapshot it got already holds these changes.
      if (ops.length === 0 || view.fresh.has(entityId) || !view.handles.has(entityId)) continue;
      const link = deps.gateLink(view.gateId);
      if (link) codec.encodeTo(link, MSG.ATTR_DELTA, { gateId: view.gateId, clientId: view.clientId, entityId, ops });
    }
  }

  function ensureTrack(eid: number): void {
    if (eid < sentX.length) return;
    const grow = <T extends Float32Array | Uint32Array>(a: T): T => {
      const next = new (a.constructor as new (n: number) => T)(Math.max(eid + 1, a.length * 2));
      next.set(a);
      return next;
    };
    sentX = grow(sentX);
    sentY = grow(sentY);
    sentZ = grow(sentZ);
    sentYaw = grow(sentYaw);
    movedStamp = grow(movedStamp);
  }

  return {
    flushWorldEvents() {
      world.drainClientEvents((e) => (e.kind === 'bind' ? bind(e.entity, e.client) : unbind(e.client)));
      world.drainAoiEvents((kind, watcher, target) => {
        const view = watcher.client ? views.get(watcher.client) : undefined;
        if (!view || view.owner !== watcher.id) return;
        if (kind === 'enter') createOnClient(view, target.id, false);
        else destroyOnClient(view, target.id);
      });
      world.drainAttrDeltas((entity, deltas) => sendDeltas(entity.id, deltas));
      world.drainClientCalls((call) => {
        for (const view of audience(call.entity, call.to === 'all')) {
          const link = deps.gateLink(view.gateId);
          if (!link || !view.handles.has(call.entity)) continue;
          codec.encodeTo(link, MSG.CALL_ENTITY_METHOD_ON_CLIENT, {
            gateId: view.gateId,
            clientId: view.clientId,
            entityId: call.entity,
            method: call.method,
            args: [...call.args],
          });
        }
      });
    },

    syncPositions() {
      syncRound = (syncRound + 1) >>> 0 || 1;
      const pos = world.store(Position);
      const yaw = world.store(Yaw);
      const src = { x: pos.x, y: pos.y, z: pos.z, yaw: yaw.yaw };
      for (const view of views.all()) {
        const link = deps.gateLink(view.gateId);
        if (!link) continue;
        eidScratch.length = 0;
        handleScratch.length = 0;
        for (const [entityId, handle] of view.handles) {
          const entity = world.entity(entityId);
          if (!entity || entity.destroyed || view.fresh.has(entityId)) continue;
          const eid = entity.eid;
          ensureTrack(eid);
          if (movedStamp[eid] !== syncRound) {
            // First look at this entity this round: decide once whether it moved, for every client.
            const moved =
              sentX[eid] !== pos.x[eid] || sentY[eid] !== pos.y[eid] || sentZ[eid] !== pos.z[eid] || sentYaw[eid] !== yaw.yaw[eid];
            movedStamp[eid] = moved ? syncRound : 0;
            if (!moved) continue;
            sentX[eid] = pos.x[eid];
            sentY[eid] = pos.y[eid];
            sentZ[eid] = pos.z[eid];
            sentYaw[eid] = yaw.yaw[eid];
          }
          if (movedStamp[eid] !== syncRound) continue;
          eidScratch.push(eid);
          handleScratch.push(handle);
        }
        if (eidScratch.length > 0) {
          writePositionSyncFrame(link, view.gateId, view.clientId, src, eidScratch, handleScratch, eidScratch.length);
        }
      }
    },

    endTick() {
      views.endTick();
    },
  };
}
