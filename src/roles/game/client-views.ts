import type { EntityId } from '../../core/entity-id.ts';

/**
 * What one connected client has been told exists: its own entity plus the entities that entity sees.
 * Each entity gets a compact u16 handle per client, so position streams carry 2 bytes instead of a
 * 16-byte id. `fresh` marks entities created on the client this tick: their snapshot already holds this
 * tick's attribute changes, so the deltas must not be applied twice. `pending` holds entities that moved
 * while the client's link was degraded and whose position has not been sent since (outbound.ts).
 */
export interface ClientView {
  readonly clientId: string;
  readonly gateId: number;
  owner: EntityId;
  readonly handles: Map<EntityId, number>;
  readonly fresh: Set<EntityId>;
  /** Made the first time the client's link is degraded (outbound.ts collectView): most never are. */
  pending: Set<EntityId> | null;
  nextHandle: number;
  readonly freeHandles: number[];
}

const MAX_HANDLE = 0xffff;

export interface ClientViews {
  /** Opens a view for a client bound to `owner`; replaces any previous view of the client. */
  open(clientId: string, gateId: number, owner: EntityId): ClientView;
  close(clientId: string): ClientView | undefined;
  get(clientId: string): ClientView | undefined;
  /** Adds an entity to a view. Returns its handle, or -1 if it was already there or handles ran out. */
  add(view: ClientView, entity: EntityId): number;
  /** Removes an entity; returns its handle or -1 if it was not in the view. */
  remove(view: ClientView, entity: EntityId): number;
  all(): IterableIterator<ClientView>;
  /** Clients of one gate, e.g. when that gate goes away. */
  ofGate(gateId: number): ClientView[];
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
  return {
    open(clientId, gateId, owner) {
      const view: ClientView = {
        clientId,
        gateId,
        owner,
        handles: new Map(),
        fresh: new Set(),
        pending: null,
        nextHandle: 1,
        freeHandles: [],
      };
      views.set(clientId, view);
      return view;
    },
    close(clientId) {
      const view = views.get(clientId);
      views.delete(clientId);
      if (view) touched.delete(view);
      return view;
    },
    get: (clientId) => views.get(clientId),
    add(view, entity) {
      if (view.handles.has(entity)) return -1;
      const handle = view.freeHandles.pop() ?? (view.nextHandle <= MAX_HANDLE ? view.nextHandle++ : -1);
      if (handle === -1) return -1;
      view.handles.set(entity, handle);
      view.fresh.add(entity);
      touched.add(view);
      return handle;
    },
    remove(view, entity) {
      const handle = view.handles.get(entity);
      if (handle === undefined) return -1;
      view.handles.delete(entity);
      view.fresh.delete(entity);
      view.freeHandles.push(handle);
      return handle;
    },
    all: () => views.values(),
    ofGate: (gateId) => [...views.values()].filter((v) => v.gateId === gateId),
    endTick() {
      for (const view of touched) view.fresh.clear();
      touched.clear();
    },
    get size() {
      return views.size;
    },
    dump() {
      return [...views.values()].map((v) => ({
        clientId: v.clientId,
        gateId: v.gateId,
        owner: v.owner,
        handles: [...v.handles],
        nextHandle: v.nextHandle,
        freeHandles: [...v.freeHandles],
      }));
    },
    restore(dumps) {
      for (const d of dumps) {
        views.set(d.clientId, {
          clientId: d.clientId,
          gateId: d.gateId,
          owner: d.owner,
          handles: new Map(d.handles),
          fresh: new Set(),
          pending: null,
          nextHandle: d.nextHandle,
          freeHandles: [...d.freeHandles],
        });
      }
    },
  };
}
