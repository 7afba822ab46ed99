import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../../src/aoi/brute-force.ts';
import { attr } from '../../../../src/core/attr-decl.ts';
import type { EntityId } from '../../../../src/core/entity-id.ts';
import { defineEntityType } from '../../../../src/core/entity-type.ts';
import { defineSpaceType } from '../../../../src/core/space.ts';
import { t } from '../../../../src/core/value-types.ts';
import { createGameWorld } from '../../../../src/core/world.ts';
import { createClientViews } from '../../../../src/roles/game/client-views.ts';
import { createOutbound } from '../../../../src/roles/game/outbound.ts';
import { CreateEncoder } from '../../../../src/roles/game/outbound-create.ts';
import { createWireCodec } from '../../../../src/protocol/codec.ts';
import { createFrameBatch } from '../../../../src/protocol/frame-batch.ts';
import { createFrameParser } from '../../../../src/protocol/frame-parser.ts';
import { MSG } from '../../../../src/protocol/messages.ts';
import { createPackr } from '../../../../src/protocol/packr.ts';
import { mulberry32 } from '../../../../src/testing/prng.ts';
import type { Link } from '../../../../src/transport/index.ts';

const clientId = (n: number) => `client-${String(n).padStart(9, '0')}`;

/**
 * The observer create is encoded once per outbound phase and sent to every view the entity entered
 * (outbound-create.ts). Here walkers change attributes and positions every tick while views churn:
 * every create a client gets must hold the entity as it is in that tick, under the handle that
 * client's view gave it, and the owner's create its owner-only attributes.
 */
describe('creates encoded once per outbound phase', () => {
  it('gives each client the entity as it is this tick, under its own handle', () => {
    const Walker = defineEntityType({
      name: 'Walker',
      attrs: { hp: attr(t.int, { flags: ['allClients'] }), secret: attr(t.string, { flags: ['client'] }) },
    });
    const Field = defineSpaceType({ name: 'Field', aoi: { radius: 6 } });
    const world = createGameWorld({ entityTypes: [Walker], spaceTypes: [Field], aoiFactory: createBruteForceAoi, onError: (e) => { throw e; } });
    const codec = createWireCodec({ packr: createPackr() });
    const link = createFrameBatch();
    const views = createClientViews();
    const outbound = createOutbound({ world, views, codec, gateLink: () => link as unknown as Link, gateOf: () => 1, takeGone: () => false });
    const field = world.createSpace('Field');
    world.applyDeferred();
    const rand = mulberry32(11);
    const ids: EntityId[] = [];
    for (let i = 0; i < 40; i++) {
      const client = i < 30 ? clientId(i) : undefined;
      ids.push(world.createEntity('Walker', { space: field, client, position: { x: rand() * 30, y: 0, z: rand() * 30 } }));
    }
    let creates = 0;
    let repeated = 0;
    let perTick = new Map<EntityId, number>();
    const parser = createFrameParser({
      onFrame(type, raw) {
        if (type !== MSG.CREATE_ENTITY_ON_CLIENT.id) return;
        const m = codec.decode(MSG.CREATE_ENTITY_ON_CLIENT, raw.slice());
        if (m instanceof Error) throw m;
        const e = world.entity(m.entityId)!;
        const owner = e.client === m.clientId;
        expect(m.isPlayer).toBe(owner);
        expect(m.attrs).toEqual(world.clientSnapshot(m.entityId, owner ? 'owner' : 'observer'));
        expect([m.x, m.z, m.yaw]).toEqual([e.position().x, e.position().z, e.yaw]);
        expect(m.handle, `${m.clientId}'s handle for ${m.entityId}`).toBe(views.get(m.clientId)!.handles.get(m.entityId));
        creates++;
        const n = (perTick.get(m.entityId) ?? 0) + 1;
        perTick.set(m.entityId, n);
        if (n > 1 && !owner) repeated++;
      },
    });
    for (let tick = 0; tick < 60; tick++) {
      perTick = new Map();
      // The first tick creates the walkers (creation is deferred to the tick's phase boundary).
      for (const id of tick === 0 ? [] : ids) {
        const e = world.entity(id)!;
        if (rand() < 0.5) e.setPosition(rand() * 30, 0, rand() * 30);
        if (rand() < 0.3) e.attrs.set('hp', Math.floor(rand() * 100));
        if (rand() < 0.1) e.attrs.set('secret', `s${tick}`);
      }
      world.step(0.05);
      outbound.flushWorldEvents();
      outbound.syncPositions();
      outbound.endTick();
      if (link.length > 0) parser.push(link.takeBytes());
    }
    expect(creates).toBeGreaterThan(500);
    // The case the cache is for: one entity entering several views in the same tick.
    expect(repeated).toBeGreaterThan(100);
  });

  it('encodes again for a view whose handle is not the shared one, and keeps the shared bytes for the rest', () => {
    const Walker = defineEntityType({ name: 'Walker', attrs: { hp: attr(t.int, { flags: ['allClients'] }) } });
    const world = createGameWorld({ entityTypes: [Walker], aoiFactory: createBruteForceAoi, onError: (e) => { throw e; } });
    const codec = createWireCodec({ packr: createPackr() });
    const id = world.createEntity('Walker', { position: { x: 1, y: 2, z: 3 } });
    world.applyDeferred();
    const sent: { type: number; body: Uint8Array }[] = [];
    const sink = { sendParts: (type: number, head: Uint8Array, tail: Uint8Array) => sent.push({ type, body: Uint8Array.from([...head, ...tail]) }) };
    const encoder = new CreateEncoder(world, codec);
    const view = (n: number) => ({ gateId: 3, clientId: clientId(n) }) as Parameters<CreateEncoder['send']>[1];
    const entity = world.entity(id)!;
    encoder.send(sink, view(1), entity, 5, false);
    encoder.send(sink, view(2), entity, 7, false);
    encoder.send(sink, view(3), entity, 5, false);
    const got = sent.map((f) => codec.decode(MSG.CREATE_ENTITY_ON_CLIENT, f.body) as { clientId: string; handle: number; gateId: number });
    expect(got.map((m) => [m.gateId, m.clientId, m.handle])).toEqual([[3, clientId(1), 5], [3, clientId(2), 7], [3, clientId(3), 5]]);
    // Byte for byte what encoding the whole message gives.
    const whole = codec.encode(MSG.CREATE_ENTITY_ON_CLIENT, {
      gateId: 3, clientId: clientId(3), entityId: id, typeName: 'Walker', isPlayer: false, handle: 5,
      attrs: world.clientSnapshot(id, 'observer')!, x: 1, y: 2, z: 3, yaw: entity.yaw,
    });
    expect(sent[2].body).toEqual(whole);
  });
});
