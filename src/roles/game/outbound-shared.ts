import type { AnyEntity } from '../../core/entity.ts';
import type { Space } from '../../core/space.ts';
import type { GameWorld } from '../../core/world-api.ts';
import { encodePositionBatch, positionBatchSize, type PositionSource } from '../../protocol/position-sync.ts';
import { writeSharedPositionFrames } from '../../protocol/position-frame.ts';
import type { Link } from '../../transport/index.ts';
import type { ClientView, ClientViews } from './client-views.ts';

/**
 * Clients that see every entity of their space, under the entities' shared handles, get the same
 * position batch: it is encoded once per space per sync and sent once per gate with the list of its
 * clients (POSITION_SYNC_SHARED), and the gate hands the same bytes to each. So a crowd where everyone
 * sees everyone costs the game O(entities) per sync instead of O(clients × entities), and the
 * dispatcher relays one frame per gate instead of one per client.
 */
export interface SharedGroup {
  readonly space: Space;
  readonly byGate: Map<number, string[]>;
}

/** The view's player, looked up once and kept on the view: an entity's handle lives as long as it does. */
export function viewOwner(world: GameWorld, view: ClientView): AnyEntity | null {
  return (view.ownerEntity ??= world.entity(view.owner) ?? null);
}

/**
 * Adds the view to its space's group when the space's batch is exactly what it would get on its own:
 * every handle shared, nothing created on it this tick or owed from a degraded round, and as many
 * entries as the space has members (a view only ever holds its own space's entities, so equal counts
 * are equal sets).
 */
export function joinSharedGroup(world: GameWorld, groups: Map<string, SharedGroup>, view: ClientView): boolean {
  // A view of its own player alone (an idle client in the nil space) gains nothing from sharing: it
  // leaves here, before the entity lookup, since every idle client pays this check every sync.
  if (view.handles.size < 2 || view.misaligned !== 0 || view.fresh !== null || view.pending !== null) return false;
  const owner = viewOwner(world, view);
  if (owner === null || owner.destroyed) return false;
  const space = owner.space;
  if (space.isNil || space.destroyed || space.size !== view.handles.size) return false;
  let group = groups.get(space.id);
  if (!group) groups.set(space.id, (group = { space, byGate: new Map() }));
  const clients = group.byGate.get(view.gateId);
  if (clients) clients.push(view.clientId);
  else group.byGate.set(view.gateId, [view.clientId]);
  return true;
}

/** Encodes each group's batch of moved entities once and writes it to each of its gates. */
export function writeSharedGroups(
  groups: ReadonlyMap<string, SharedGroup>,
  views: ClientViews,
  src: PositionSource,
  moved: (eid: number) => boolean,
  gateLink: (gateId: number) => Link | undefined,
): void {
  const eids: number[] = [];
  const handles: number[] = [];
  for (const { space, byGate } of groups.values()) {
    eids.length = 0;
    handles.length = 0;
    space.forEachMember((id, eid) => {
      const handle = views.shared.peek(id);
      if (handle <= 0 || !moved(eid)) return;
      eids.push(eid);
      handles.push(handle);
    });
    if (eids.length === 0) continue;
    // Shared handles are below 0xc000, so one batch always fits its u16 record count.
    const batch = new Uint8Array(positionBatchSize(eids.length));
    encodePositionBatch(batch, 0, src, eids, handles, eids.length);
    for (const [gateId, clientIds] of byGate) {
      const link = gateLink(gateId);
      if (link) writeSharedPositionFrames(link, gateId, clientIds, batch);
    }
  }
}
