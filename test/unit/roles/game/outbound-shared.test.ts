import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../../src/aoi/brute-force.ts';
import type { EntityId } from '../../../../src/core/entity-id.ts';
import { defineEntityType } from '../../../../src/core/entity-type.ts';
import { defineSpaceType } from '../../../../src/core/space.ts';
import { createGameWorld } from '../../../../src/core/world.ts';
import { createClientViews } from '../../../../src/roles/game/client-views.ts';
import { createOutbound } from '../../../../src/roles/game/outbound.ts';
import { createWireCodec } from '../../../../src/protocol/codec.ts';
import { createFrameBatch } from '../../../../src/protocol/frame-batch.ts';
import { createFrameParser } from '../../../../src/protocol/frame-parser.ts';
import { MSG } from '../../../../src/protocol/messages.ts';
import { createPackr } from '../../../../src/protocol/packr.ts';
import { readSharedPositionFrame } from '../../../../src/protocol/position-frame.ts';
import { decodePositionBatch } from '../../../../src/protocol/position-sync.ts';
import { readGateClientKey } from '../../../../src/protocol/routing-key.ts';
import { mulberry32 } from '../../../../src/testing/prng.ts';
import type { Link } from '../../../../src/transport/index.ts';

const clientId = (n: number) => `client-${String(n).padStart(9, '0')}`;

/**
 * A world with a hall where everyone sees everyone and a field where each sees a few, its outbound
 * phase writing to one link, and the gate's part played here: every client's handle map from its
 * CREATE/DESTROY messages, and the positions each one receives, shared batch or its own.
 */
function setup() {
  const Walker = defineEntityType({ name: 'Walker' });
  const Hall = defineSpaceType({ name: 'Hall', aoi: { radius: 1e6 } });
  const Field = defineSpaceType({ name: 'Field', aoi: { radius: 8 } });
  const world = createGameWorld({ entityTypes: [Walker], spaceTypes: [Hall, Field], aoiFactory: createBruteForceAoi, onError: (e) => { throw e; } });
  const codec = createWireCodec({ packr: createPackr() });
  const link = createFrameBatch();
  const outbound = createOutbound({ world, views: createClientViews(), codec, gateLink: () => link as unknown as Link, gateOf: () => 1, takeGone: () => false });
  const hall = world.createSpace('Hall');
  const field = world.createSpace('Field');
  world.applyDeferred();
  const handles = new Map<string, Map<number, EntityId>>();
  const frames = { shared: 0, own: 0 };
  /** Per client, this sync: entity → x it was told. */
  let told = new Map<string, Map<EntityId, number>>();
  /** `${client} ${entity}` created on the client this tick: its snapshot carries the position. */
  const created = new Set<string>();
  const apply = (client: string, batch: Uint8Array) => {
    const map = handles.get(client)!;
    const got = told.get(client) ?? told.set(client, new Map()).get(client)!;
    decodePositionBatch(batch, (handle, x) => {
      const entity = map.get(handle);
      expect(entity, `${client}: a record for handle ${handle}, which names nothing`).toBeDefined();
      expect(got.has(entity!), `${client}: ${entity} twice in one sync`).toBe(false);
      got.set(entity!, x);
    });
  };
  const parser = createFrameParser({
    onFrame(type, raw) {
      const body = raw.slice();
      if (type === MSG.CREATE_ENTITY_ON_CLIENT.id || type === MSG.DESTROY_ENTITY_ON_CLIENT.id) {
        const m = codec.decode(type === MSG.CREATE_ENTITY_ON_CLIENT.id ? MSG.CREATE_ENTITY_ON_CLIENT : MSG.DESTROY_ENTITY_ON_CLIENT, body) as { clientId: string; entityId: EntityId; handle: number };
        const map = handles.get(m.clientId) ?? handles.set(m.clientId, new Map()).get(m.clientId)!;
        if (type === MSG.CREATE_ENTITY_ON_CLIENT.id) {
          map.set(m.handle, m.entityId);
          created.add(`${m.clientId} ${m.entityId}`);
        }
        else if (map.get(m.handle) === m.entityId) map.delete(m.handle);
      } else if (type === MSG.POSITION_SYNC.id) {
        frames.own++;
        apply(readGateClientKey(body), body.subarray(18));
      } else if (type === MSG.POSITION_SYNC_SHARED.id) {
        frames.shared++;
        const f = readSharedPositionFrame(body);
        if (f instanceof Error) throw f;
        for (let i = 0; i < f.count; i++) apply(String.fromCharCode(...body.subarray(f.idsOffset + 16 * i, f.idsOffset + 16 * i + 16)), f.batch);
      }
    },
  });
  const tick = () => {
    told = new Map();
    created.clear();
    world.step(0.05);
    outbound.flushWorldEvents();
    outbound.syncPositions();
    outbound.endTick();
    if (link.length > 0) parser.push(link.takeBytes());
    return told;
  };
  return { world, hall, field, handles, frames, created, tick };
}

describe('position batches shared by the clients that see the same entities', () => {
  it('sends each client exactly the moved entities it sees, shared where views are whole spaces, its own elsewhere', () => {
    const t = setup();
    const rand = mulberry32(7);
    const players: { id: EntityId; client: string }[] = [];
    const npcs: EntityId[] = [];
    for (let i = 0; i < 8; i++) {
      const client = clientId(i);
      const space = i < 5 ? t.hall : t.field;
      players.push({ client, id: t.world.createEntity('Walker', { space, client, position: { x: rand() * 20, y: 0, z: rand() * 20 } }) });
    }
    for (let i = 0; i < 6; i++) npcs.push(t.world.createEntity('Walker', { space: i < 3 ? t.hall : t.field, position: { x: rand() * 20, y: 0, z: rand() * 20 } }));
    t.tick();
    t.tick();
    const sharedBefore = t.frames.shared;
    for (let round = 0; round < 30; round++) {
      // Some move, some stand; now and then one leaves the hall or a new one arrives, so views churn.
      const moved = new Set<EntityId>();
      for (const e of [...players.map((p) => p.id), ...npcs]) {
        if (rand() < 0.6) {
          const h = t.world.entity(e)!;
          h.setPosition(Math.round(rand() * 20 * 16) / 16, 0, Math.round(rand() * 20 * 16) / 16);
          moved.add(e);
        }
      }
      if (round === 10) t.world.destroyEntity(npcs.shift()!);
      if (round === 15) npcs.push(t.world.createEntity('Walker', { space: t.hall, position: { x: 1, y: 0, z: 1 } }));
      if (round === 20) t.world.entity(players[1].id)!.enterSpace(t.field);
      const told = t.tick();
      for (const { client, id } of players) {
        const map = t.handles.get(client)!;
        const seen = new Set(map.values());
        const got = told.get(client) ?? new Map();
        for (const [entity, x] of got) {
          expect(seen.has(entity), `${client} told about ${entity}, which it does not see`).toBe(true);
          expect(x).toBeCloseTo(t.world.entity(entity)!.position().x, 1);
        }
        // Everything it sees that moved this round, except what was created on it just now.
        for (const entity of seen) {
          if (moved.has(entity) && !got.has(entity) && !t.created.has(`${client} ${entity}`)) {
            throw new Error(`${client} (${id}) was not told that ${entity} moved in round ${round}`);
          }
        }
      }
    }
    expect(t.frames.shared - sharedBefore, 'the hall goes out as shared batches').toBeGreaterThan(20);
    expect(t.frames.own, 'the field goes out client by client').toBeGreaterThan(20);
  });
});
