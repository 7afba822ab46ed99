import type { EntityId } from '../../core/entity-id.ts';
import type { Entity } from '../../core/entity.ts';
import type { GameWorld } from '../../core/world-api.ts';
import { MSG, type FrameSink, type WireCodec } from '../../protocol/index.ts';
import type { ClientView } from './client-views.ts';

/**
 * The msgpack part of an observer's CREATE_ENTITY_ON_CLIENT, kept for the rest of one outbound phase.
 * It names the handle it was encoded with: views take an entity's shared per-space handle where they
 * can (client-views.ts), so most views that see an entity enter this tick get the same bytes.
 */
interface EncodedCreate {
  readonly handle: number;
  readonly fields: Uint8Array;
}

/**
 * Encodes each entity's observer create once per outbound phase, however many views it enters. With
 * AOI every move brings entities into several views in the same tick, and encoding the snapshot for
 * each was a quarter of the game's outbound work at 1000 players. Within one phase neither the
 * attributes nor the positions change (game code does not run), so the bytes are the ones a fresh
 * encode would give; the owner's create (other attributes, `isPlayer`) is encoded each time.
 */
export class CreateEncoder {
  private readonly observed = new Map<EntityId, EncodedCreate>();

  constructor(
    private readonly world: GameWorld,
    private readonly codec: WireCodec,
  ) {}

  /** Sends the create of `entity` for `view` under `handle`. */
  send(sink: FrameSink, view: ClientView, entity: Entity, handle: number, isPlayer: boolean): void {
    const key = { gateId: view.gateId, clientId: view.clientId };
    const cached = isPlayer ? undefined : this.observed.get(entity.id);
    if (cached !== undefined && cached.handle === handle) {
      this.codec.encodeToWithFields(sink, MSG.CREATE_ENTITY_ON_CLIENT, key, cached.fields);
      return;
    }
    const fields = this.encode(entity, handle, isPlayer);
    // A misaligned handle (the view could not take the shared one) keeps the cached entry for the others.
    if (!isPlayer && cached === undefined) this.observed.set(entity.id, { handle, fields });
    this.codec.encodeToWithFields(sink, MSG.CREATE_ENTITY_ON_CLIENT, key, fields);
  }

  /** Ends the phase: what is cached may be stale by the next one. */
  clear(): void {
    this.observed.clear();
  }

  private encode(entity: Entity, handle: number, isPlayer: boolean): Uint8Array {
    const p = entity.position();
    return this.codec.encodeFields(MSG.CREATE_ENTITY_ON_CLIENT, {
      entityId: entity.id,
      typeName: entity.typeName,
      isPlayer,
      handle,
      attrs: this.world.clientSnapshot(entity.id, isPlayer ? 'owner' : 'observer') ?? {},
      x: p.x,
      y: p.y,
      z: p.z,
      yaw: entity.yaw,
    });
  }
}
