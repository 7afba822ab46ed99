import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../../src/aoi/brute-force.ts';
import { defineEntityType } from '../../../../src/core/entity-type.ts';
import { defineSpaceType } from '../../../../src/core/space.ts';
import { createGameWorld } from '../../../../src/core/world.ts';
import { createClientViews } from '../../../../src/roles/game/client-views.ts';
import { createOutbound } from '../../../../src/roles/game/outbound.ts';
import { createWireCodec, toClientMessageInPlace } from '../../../../src/protocol/codec.ts';
import { createFrameBatch } from '../../../../src/protocol/frame-batch.ts';
import { createFrameParser } from '../../../../src/protocol/frame-parser.ts';
import { MSG } from '../../../../src/protocol/messages.ts';
import { createPackr } from '../../../../src/protocol/packr.ts';
import { decodePositionBatch } from '../../../../src/protocol/position-sync.ts';
import { readSharedPositionFrame } from '../../../../src/protocol/position-frame.ts';
import type { Link } from '../../../../src/transport/index.ts';

const CLIENT = 'client-000000001';

/** A game world, its outbound phase writing to one link whose `degraded` flag the test sets. */
function setup(divisor = 4) {
  const Walker = defineEntityType({ name: 'Walker' });
  const Field = defineSpaceType({ name: 'Field', aoi: { radius: 100 } });
  const world = createGameWorld({ entityTypes: [Walker], spaceTypes: [Field], aoiFactory: createBruteForceAoi, onError: (e) => { throw e; } });
  const link = Object.assign(createFrameBatch(), { degraded: false });
  const shed = { coalesced: 0, dropped: 0 };
  const outbound = createOutbound({
    world,
    views: createClientViews(),
    codec: createWireCodec({ packr: createPackr() }),
    gateLink: () => link as unknown as Link,
    gateOf: () => 1,
    takeGone: () => false,
    degradedSyncDivisor: divisor,
    onShed: (outcome, n) => void (shed[outcome] += n),
  });
  const field = world.createSpace('Field');
  world.applyDeferred();
  const player = world.createEntity('Walker', { space: field, client: CLIENT, position: { x: 0, y: 0, z: 0 } });
  const npc = world.createEntity('Walker', { space: field, position: { x: 1, y: 0, z: 0 } });
  /** Positions the client received per sync: handle → x. */
  const received: Map<number, number>[] = [];
  const others: number[] = [];
  const parser = createFrameParser({
    onFrame(type, body) {
      // The gate's part: a shared batch reaches the client as the same POSITION_SYNC body.
      const shared = type === MSG.POSITION_SYNC_SHARED.id ? readSharedPositionFrame(body.slice()) : null;
      if (shared instanceof Error) throw shared;
      if (type !== MSG.POSITION_SYNC.id && !shared) return void others.push(type);
      const positions = shared ? shared.batch : toClientMessageInPlace(type, body.slice()).subarray(2);
      const batch = new Map<number, number>();
      decodePositionBatch(positions, (handle, x) => batch.set(handle, x));
      received.push(batch);
    },
  });
  /** One tick with a position sync: the world steps, events and positions go out. */
  const tick = () => {
    world.step(0.05);
    outbound.flushWorldEvents();
    outbound.syncPositions();
    outbound.endTick();
    if (link.length > 0) parser.push(link.takeBytes());
  };
  tick();
  tick();
  received.length = 0;
  return { world, link, shed, tick, received, others, player, npc };
}

describe('outbound position streams under a degraded link', () => {
  it('sends one sync in `divisor` while degraded, each carrying the newest position, and all of them once it recovers', () => {
    const t = setup(4);
    const npc = t.world.entity(t.npc)!;
    const sync = (x: number) => {
      npc.setPosition(x, 0, 0);
      t.tick();
    };
    for (let x = 2; x <= 5; x++) sync(x);
    expect(t.received.map((b) => [...b.values()])).toEqual([[2], [3], [4], [5]]);
    t.received.length = 0;

    t.link.degraded = true;
    for (let x = 6; x <= 13; x++) sync(x);
    // Eight syncs, two sent, four apart: each carries the newest x, none a stale one.
    const sent = t.received.map((b) => [...b.values()]);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toHaveLength(1);
    expect(sent[1][0] - sent[0][0]).toBe(4);
    expect(t.shed.coalesced).toBeGreaterThan(0);

    // Right after a sync went out, one move, then it stands still: that position is owed and goes with
    // the next sync that goes out (within `divisor` ticks), not lost because it moved only once.
    for (let x = 14; t.received.length === 2 && x < 24; x++) sync(x);
    expect(t.received).toHaveLength(3);
    t.received.length = 0;
    sync(50);
    for (let i = 0; i < 4; i++) t.tick();
    expect(t.received.map((b) => [...b.values()])).toEqual([[50]]);
    t.received.length = 0;

    t.link.degraded = false;
    for (let x = 54; x <= 56; x++) sync(x);
    expect(t.received.map((b) => [...b.values()])).toEqual([[54], [55], [56]]);
  });

  it('drops a pending position when the entity leaves the view, and never sends it after the destroy', () => {
    const t = setup(4);
    t.link.degraded = true;
    const npc = t.world.entity(t.npc)!;
    npc.setPosition(20, 0, 0);
    t.tick();
    t.world.destroyEntity(t.npc);
    t.tick();
    t.tick();
    t.tick();
    t.tick();
    expect(t.received).toEqual([]);
    expect(t.shed.dropped).toBe(1);
    expect(t.others).toContain(MSG.DESTROY_ENTITY_ON_CLIENT.id);
  });
});
