import type { AnyEntity } from '../../core/entity.ts';
import type { EntityId } from '../../core/entity-id.ts';
import { PRIVATE_HANDLE_MIN, createSharedHandles, type SharedHandles } from './shared-handles.ts';
import { ViewHandles } from './view-handles.ts';

/**
 * What one connected client has been told exists: its own entity plus the entities that entity sees.
 * Each entity gets a compact u16 handle per client, so position streams carry 2 bytes instead of a
 * 16-byte id. The handle is the entity's shared one (shared-handles.ts) wherever it can be, so views
 * that see the same entities hold the same handles for them; `misaligned` counts those that do not.
 * `fresh` marks entities created on the client this tick: their snapshot already holds this tick's
 * attribute changes, so the deltas must not be applied twice. `pending` holds entities that moved
 * while the client's link was degraded and whose position has not been sent since (outbound.ts).
 * The sets and the free list exist only while they hold something, and the handle table keeps its
 * first entry inline: an idle client's view is this object alone (an empty Set or a one-entry Map
 * costs ~150-180 bytes, and there is one view per client).
 */
export interface ClientView {
  readonly clientId: string;
  readonly gateId: number;
  owner: EntityId;
  /** Entity → handle; its first entry needs no Map (view-handles.ts). */
  readonly handles: ViewHandles;
  /** Made by the first creation of a tick, dropped at its end (endTick): null in a tick with none. */
  fresh: Set<EntityId> | null;
  /** Made the first time the client's link is degraded (outbound.ts collectView): most never are. */
  pending: Set<EntityId> | null;
  nextHandle: number;
  /** Private handles given back; made at the first. */
  freeHandles: number[] | null;
  /** Entries whose handle is not their entity's shared handle: 0 means the view can take shared batches. */
  misaligned: number;
  /** The owner's handle, found at the first position sync that asks (outbound-shared.ts viewOwner). */
  ownerEntity: AnyEntity | null;
}

const MAX_HANDLE = 0xffff;

export interface ClientViews {
  /** Opens a view for a client bound to `owner`; replaces any previous view of the client. */
  open(clientId: string, gateId: number, owner: EntityId): ClientView;
  close(clientId: string): ClientView | undefined;
  get(clientId: string): ClientView | undefined;
  /** Adds an entity to a view. Returns its handle, or -1 if it was already there or handles ran out. */
  /** `eid` is the entity's, so position syncs find it without its id (-1: not known). */
  add(view: ClientView, entity: EntityId, eid?: number): number;
  /** Removes an entity; returns its handle or -1 if it was not in the view. */
  remove(view: ClientView, entity: EntityId): number;
  all(): IterableIterator<ClientView>;
  /** Clients of one gate, e.g. when that gate goes away. */
  ofGate(gateId: number): ClientView[];
  /** The game's shared handles (position batches encoded once per space read them). */
  readonly shared: SharedHandles;
  /** Called at the end of each outbound phase. */
  endTick(): void;
  readonly size: number;
  /** Plain data for a hot-swap snapshot: clients must keep their handles across the swap. */
  dump(): ClientViewDump[];
  restore(dumps: readonly ClientViewDump[]): void;
}

export interface ClientViewDump {
  clientId: string;
  gateId: number;
  owner: EntityId;
  handles: [EntityId, number][];
  nextHandle: number;
  freeHandles: number[];
}

export function createClientViews(): ClientViews {
  const views = new Map<string, ClientView>();
  const touched = new Set<ClientView>();
  const shared = createSharedHandles();
  const release = (view: ClientView, entity: EntityId, handle: number) => {
    if (handle !== shared.peek(entity)) view.misaligned--;
    if (handle >= PRIVATE_HANDLE_MIN) (view.freeHandles ??= []).push(handle);
    else shared.use(handle, -1);
  };
  return {
    shared,
    open(clientId, gateId, owner) {
      const view: ClientView = {
        clientId,
        gateId,
        owner,
        handles: new ViewHandles(),
        fresh: null,
        pending: null,
        nextHandle: PRIVATE_HANDLE_MIN,
        freeHandles: null,
        misaligned: 0,
        ownerEntity: null,
      };
      views.set(clientId, view);
      return view;
    },
    close(clientId) {
      const view = views.get(clientId);
      views.delete(clientId);
      if (!view) return view;
      touched.delete(view);
      for (const [entity, handle] of view.handles) release(view, entity, handle);
      view.handles.clear();
      return view;
    },
    get: (clientId) => views.get(clientId),
    add(view, entity, eid = -1) {
      if (view.handles.has(entity)) return -1;
      let handle = shared.take(entity);
      if (handle > 0) shared.use(handle, 1);
      else {
        handle = view.freeHandles?.pop() ?? (view.nextHandle <= MAX_HANDLE ? view.nextHandle++ : -1);
        if (handle === -1) return -1;
        view.misaligned++;
      }
      view.handles.set(entity, handle, eid);
      (view.fresh ??= new Set()).add(entity);
      touched.add(view);
      return handle;
    },
    remove(view, entity) {
      const handle = view.handles.get(entity);
      if (handle === undefined) return -1;
      view.handles.delete(entity);
      view.fresh?.delete(entity);
      release(view, entity, handle);
      return handle;
    },
    all: () => views.values(),
    ofGate: (gateId) => [...views.values()].filter((v) => v.gateId === gateId),
    endTick() {
      for (const view of touched) view.fresh = null;
      touched.clear();
    },
    get size() {
      return views.size;
    },
    dump: () => [...views.values()].map(dumpView),
    restore: (dumps) => restoreViews(views, shared, dumps),
  };
}

function dumpView(v: ClientView): ClientViewDump {
  return { clientId: v.clientId, gateId: v.gateId, owner: v.owner, handles: [...v.handles], nextHandle: v.nextHandle, freeHandles: v.freeHandles === null ? [] : [...v.freeHandles] };
}

function restoreViews(views: Map<string, ClientView>, shared: SharedHandles, dumps: readonly ClientViewDump[]): void {
  const misaligned = shared.restore(dumps.flatMap((d) => d.handles));
  for (const d of dumps) {
    views.set(d.clientId, {
      clientId: d.clientId,
      gateId: d.gateId,
      owner: d.owner,
      handles: new ViewHandles(d.handles),
      fresh: null,
      pending: null,
      // A snapshot of per-client numbering: its handles below the private range stay counted in the
      // shared table (poisoned where views disagree), and new private ones start above it.
      nextHandle: Math.max(d.nextHandle, PRIVATE_HANDLE_MIN),
      freeHandles: nonEmpty(d.freeHandles.filter((h) => h >= PRIVATE_HANDLE_MIN)),
      misaligned: d.handles.filter(([e, h]) => misaligned.has(`${e} ${h}`)).length,
      ownerEntity: null,
    });
  }
}

function nonEmpty<T>(list: T[]): T[] | null {
  return list.length > 0 ? list : null;
}
