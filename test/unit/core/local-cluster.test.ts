import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import { attr } from '../../../src/core/attr-decl.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { t } from '../../../src/core/value-types.ts';
import { createGameWorld } from '../../../src/core/world.ts';

function setup() {
  const log: string[] = [];
  const errors: string[] = [];
  const Avatar = defineEntityType({
    name: 'Avatar',
    attrs: { name: attr(t.string) },
    rpc: { hello: { expose: 'server', args: [t.string], fn: (e, from) => void log.push(`${e.attrs.get('name')} hello from ${from}`) } },
  });
  const world = createGameWorld({
    entityTypes: [Avatar],
    aoiFactory: createBruteForceAoi,
    onError: (e) => errors.push(String((e as Error).message)),
    observer: {
      entityCreated: (e) => log.push(`created ${e.attrs.get('name')}`),
      entityDestroyed: (e) => log.push(`destroyed ${e.attrs.get('name')} destroyed=${e.destroyed}`),
    },
  });
  return { world, log, errors };
}

describe('local cluster and observer', () => {
  it('notifies the observer after create and at the end of destroy', () => {
    const { world, log } = setup();
    const id = world.createEntity('Avatar', { attrs: { name: 'ann' } });
    world.applyDeferred();
    world.destroyEntity(id);
    world.applyDeferred();
    expect(log).toEqual(['created ann', 'destroyed ann destroyed=true']);
  });

  it('runs cluster calls in the async phase, in order, reporting failures', () => {
    const { world, log, errors } = setup();
    const id = world.cluster.createEntityAnywhere('Avatar', { name: 'bob' });
    world.step(0.05);
    log.length = 0;
    world.cluster.call(id, 'hello', ['x']);
    world.cluster.call(id, 'hello', ['y']);
    world.cluster.call(id, 'hello', [1]);
    expect(log).toEqual([]);
    world.step(0.05);
    expect(log).toEqual(['bob hello from x', 'bob hello from y']);
    expect(errors).toEqual([expect.stringContaining('argument 1 must be a string')]);
  });

  it('sends filtered client calls to the clients whose prop matches', () => {
    const { world } = setup();
    const ids = ['a', 'b', 'c'].map((name) => world.createEntity('Avatar', { attrs: { name }, client: `client-${name}` }));
    world.applyDeferred();
    world.cluster.setClientFilterProp(ids[0], 'room', 'red');
    world.cluster.setClientFilterProp(ids[1], 'room', 'blue');
    world.cluster.setClientFilterProp(ids[2], 'room', 'red');
    world.cluster.callFilteredClients('room', '=', 'red', 'onChat', ['hi']);
    world.cluster.callFilteredClients('room', '!=', 'red', 'onChat', ['psst']);
    const out: string[] = [];
    world.drainClientCalls((c) => out.push(`${world.entity(c.entity)?.client}:${c.args[0]}`));
    expect(out).toEqual(['client-a:hi', 'client-c:hi', 'client-b:psst']);
  });

  it('answers KV operations in the async phase; getOrPut keeps the first value', () => {
    const { world } = setup();
    const answers: string[] = [];
    world.cluster.kv.getOrPut('k', 'first', (err, v) => answers.push(`${err}:${v}`));
    world.cluster.kv.getOrPut('k', 'second', (err, v) => answers.push(`${err}:${v}`));
    world.cluster.kv.put('j', 'x');
    world.cluster.kv.get('j', (err, v) => answers.push(`${err}:${v}`));
    world.cluster.kv.get('none', (err, v) => answers.push(`${err}:${v}`));
    expect(answers).toEqual([]);
    world.step(0.05);
    expect(answers).toEqual(['null:first', 'null:first', 'null:x', 'null:undefined']);
  });

  it('loads an entity by id once, and hands clients over', () => {
    const { world, errors } = setup();
    const a = world.createEntity('Avatar', { client: 'c1' });
    world.applyDeferred();
    world.cluster.loadEntityAnywhere('Avatar', 'AAAAAAAAAAAAAAAB');
    world.cluster.loadEntityAnywhere('Avatar', 'AAAAAAAAAAAAAAAB');
    world.step(0.05);
    world.step(0.05);
    expect(world.entityCount).toBe(2);
    expect(errors).toEqual([]);
    world.cluster.giveClientTo(a, 'AAAAAAAAAAAAAAAB');
    world.step(0.05);
    expect(world.entityOfClient('c1')?.id).toBe('AAAAAAAAAAAAAAAB');
  });
});
