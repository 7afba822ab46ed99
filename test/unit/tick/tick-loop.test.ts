import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { defineSpaceType } from '../../../src/core/space.ts';
import { t } from '../../../src/core/value-types.ts';
import { createGameWorld } from '../../../src/core/world.ts';
import { Position, Velocity } from '../../../src/ecs/builtin-components.ts';
import { movementSystem } from '../../../src/ecs/systems/movement.ts';
import { createFakeClock, createFakeScheduler } from '../../../src/testing/fake-clock.ts';
import { createTickLoop, type TickReport } from '../../../src/tick/tick-loop.ts';

function setup() {
  const order: string[] = [];
  const Mover = defineEntityType({
    name: 'Mover',
    components: [Velocity],
    rpc: { ping: { expose: 'server', args: [t.string], fn: (_e, s) => void order.push(`timer ${s}`) } },
    hooks: {
      onCreated: () => void order.push('created'),
      onEnterAOI: () => void order.push('aoi enter'),
    },
  });
  const Field = defineSpaceType({ name: 'Field', aoi: { radius: 5 } });
  const world = createGameWorld({ entityTypes: [Mover], spaceTypes: [Field], aoiFactory: createBruteForceAoi, onError: (e) => { throw e; } });
  return { world, order };
}

describe('tick loop', () => {
  it('runs the phases in order: inbound, async, systems, commit, aoi, outbound', () => {
    const { world, order } = setup();
    const clock = createFakeClock();
    const field = world.createSpace('Field');
    world.applyDeferred();
    let tick = 0;
    let a = '';
    world.addSystem('probe', () => void order.push('system'));
    const loop = createTickLoop({
      world,
      clock,
      inbound: (w) => {
        order.push('inbound');
        tick++;
        if (tick === 1) {
          a = w.createEntity('Mover', { space: field });
          w.createEntity('Mover', { space: field });
        } else if (tick === 2) {
          w.post(() => {
            order.push('posted');
            w.entity(a)?.timers.add(0, 'ping', ['now']);
          });
        }
      },
      outbound: (w) => {
        order.push('outbound');
        w.drainAoiEvents((kind) => order.push(`out ${kind}`));
      },
    });
    loop.tickOnce();
    expect(order).toEqual(['inbound', 'system', 'created', 'created', 'aoi enter', 'aoi enter', 'outbound', 'out enter', 'out enter']);
    order.length = 0;
    loop.tickOnce();
    expect(order).toEqual(['inbound', 'posted', 'timer now', 'system', 'outbound']);
  });

  it('times each phase with the injected clock and reports an overrun with the breakdown', () => {
    const { world } = setup();
    const clock = createFakeClock();
    const overruns: TickReport[] = [];
    const reports: TickReport[] = [];
    let slow = false;
    world.addSystem('slow', () => {
      clock.advance(slow ? 70 : 10);
    });
    const loop = createTickLoop({
      world,
      clock,
      hz: 20,
      inbound: () => clock.advance(3),
      outbound: () => clock.advance(2),
      onTick: (r) => reports.push(r),
      onOverrun: (r) => overruns.push(r),
    });
    loop.tickOnce();
    expect(overruns).toEqual([]);
    expect(reports[0]).toEqual({
      tick: 1,
      totalMs: 15,
      budgetMs: 50,
      phases: { inbound: 3, async: 0, systems: 10, commit: 0, aoi: 0, outbound: 2 },
    });
    slow = true;
    loop.tickOnce();
    expect(overruns).toHaveLength(1);
    expect(overruns[0]).toMatchObject({ tick: 2, totalMs: 75, phases: { systems: 70 } });
  });

  it('keeps running when the inbound layer throws, and reports it', () => {
    const { world } = setup();
    const errors: string[] = [];
    const loop = createTickLoop({
      world,
      clock: createFakeClock(),
      inbound: () => {
        throw new Error('bad packet');
      },
      onError: (e, phase) => errors.push(`${phase}: ${(e as Error).message}`),
    });
    loop.tickOnce();
    loop.tickOnce();
    expect(errors).toEqual(['inbound: bad packet', 'inbound: bad packet']);
    expect(world.tick).toBe(2);
  });

  it('schedules against absolute due times, so slow ticks do not make the loop drift', () => {
    const { world } = setup();
    const clock = createFakeClock(1000);
    const scheduler = createFakeScheduler(clock);
    let cost = 0;
    world.addSystem('cost', () => clock.advance(cost));
    const loop = createTickLoop({ world, clock, scheduler, hz: 20, onOverrun: () => {} });
    loop.start();
    scheduler.advance(50);
    expect(loop.ticks).toBe(1);
    cost = 20;
    scheduler.advance(200);
    // 250 ms elapsed at 20 Hz is 5 ticks, whatever each one cost.
    expect(loop.ticks).toBe(5);
    expect(scheduler.delays).toEqual([50, 50, 30, 30, 30, 30]);
    loop.stop();
    expect(scheduler.pending).toBe(0);
    scheduler.advance(500);
    expect(loop.ticks).toBe(5);
  });

  it('re-bases instead of bursting when it falls far behind', () => {
    const { world } = setup();
    const clock = createFakeClock();
    const scheduler = createFakeScheduler(clock);
    let stall = true;
    world.addSystem('stall', () => {
      if (stall) clock.advance(1000);
      stall = false;
    });
    const loop = createTickLoop({ world, clock, scheduler, hz: 20, onOverrun: () => {} });
    loop.start();
    scheduler.advance(50);
    expect(loop.ticks).toBe(1);
    // The first tick ended at t=1050, 20 periods late: the loop re-bases to 1050 and then ticks at
    // 1100 and 1150, instead of firing 20 catch-up ticks at once.
    scheduler.advance(100);
    expect(loop.ticks).toBe(4);
    expect(world.tick).toBe(4);
    loop.stop();
  });

  it('integrates velocity into position with the example movement system', () => {
    const { world } = setup();
    world.addSystem('movement', movementSystem);
    const id = world.createEntity('Mover', { position: { x: 1, y: 0, z: 0 } });
    world.applyDeferred();
    const e = world.entity(id)!;
    world.store(Velocity).x[e.eid] = 2;
    world.store(Velocity).z[e.eid] = -4;
    const loop = createTickLoop({ world, clock: createFakeClock(), hz: 10 });
    loop.tickOnce();
    loop.tickOnce();
    expect(world.store(Position).x[e.eid]).toBeCloseTo(1.4, 5);
    expect(world.store(Position).z[e.eid]).toBeCloseTo(-0.8, 5);
  });

  it('uses the real scheduler when started without a fake one', async () => {
    const { world } = setup();
    const loop = createTickLoop({ world, hz: 200, onOverrun: () => {} });
    loop.start();
    await new Promise<void>((resolve) => {
      const check = () => (loop.ticks >= 3 ? resolve() : setTimeout(check, 5));
      check();
    });
    loop.stop();
    const ticks = loop.ticks;
    await new Promise((r) => setTimeout(r, 30));
    expect(loop.ticks).toBe(ticks);
  });
});
