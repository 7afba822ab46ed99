import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import {
  attr,
  createGameWorld,
  createTickLoop,
  defineComponent,
  defineEntityType,
  defineSpaceType,
  dumpWorld,
  loadWorld,
  movementSystem,
  t,
  Velocity,
} from '../../../src/index.ts';
import { createFakeClock } from '../../../src/testing/fake-clock.ts';

describe('public API (the README example)', () => {
  it('declares, runs, dumps and loads through src/index.ts only', () => {
    const said: string[] = [];
    const Health = defineComponent('Health', { hp: { type: 'u16', default: 100 }, regen: 'f32' });
    const Avatar = defineEntityType({
      name: 'Avatar',
      persistent: true,
      components: [Velocity, Health],
      attrs: {
        name: attr(t.string, { flags: ['allClients', 'persistent'] }),
        bag: attr(t.list(t.string), { flags: ['client'] }),
      },
      rpc: {
        say: { expose: 'allClients', args: [t.string], fn: (e, text) => e.callAllClients('onSay', [text]) },
        regen: {
          expose: 'server',
          args: [t.int],
          fn: (e, n) => {
            const hp = e.world.store(Health).hp;
            hp[e.eid] = Math.min(100, hp[e.eid] + n);
          },
        },
      },
      hooks: { onCreated: (e) => void e.timers.add(1000, 'regen', [5], { repeat: true }) },
      aoi: { radius: 50 },
    });
    const Town = defineSpaceType({ name: 'Town', aoi: { radius: 100 } });
    const options = { entityTypes: [Avatar], spaceTypes: [Town], aoiFactory: createBruteForceAoi };
    const world = createGameWorld(options);
    world.addSystem('movement', movementSystem);
    const loop = createTickLoop({ world, clock: createFakeClock(), hz: 10 });
    const town = world.createSpace(Town);
    loop.tickOnce();
    const id = world.createEntity(Avatar, { space: town, attrs: { name: 'ann' } });
    loop.tickOnce();
    const ann = world.entity(id)!;
    world.store(Health).hp[ann.eid] = 50;
    for (let i = 0; i < 10; i++) loop.tickOnce();
    expect(world.store(Health).hp[ann.eid]).toBe(55);
    expect(world.call(id, 'say', ['hi'])).toEqual({ ok: true });
    world.drainClientCalls((c) => said.push(`${c.method}(${c.args.join()})`));
    expect(said).toEqual(['onSay(hi)']);
    const { world: copy } = loadWorld(dumpWorld(world), options);
    expect(copy.entity(id)?.attrs.get('name')).toBe('ann');
    expect(copy.store(Health).hp[ann.eid]).toBe(55);
  });
});
