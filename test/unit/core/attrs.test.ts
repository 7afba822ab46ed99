import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import { attr, compileAttrLayout } from '../../../src/core/attr-decl.ts';
import { createAttrTree, type AttrOp } from '../../../src/core/attrs.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { TsworldError } from '../../../src/core/errors.ts';
import { t } from '../../../src/core/value-types.ts';
import { createGameWorld } from '../../../src/core/world.ts';
import type { AttrDelta } from '../../../src/core/world-api.ts';

const decls = {
  name: attr(t.string, { flags: ['allClients', 'persistent'], default: 'anon' }),
  hp: attr(t.int, { flags: ['client'] }),
  secret: attr(t.string),
  bag: attr(t.list(t.string), { flags: ['client'] }),
  stats: attr(t.map(t.float), { flags: ['allClients'] }),
  deep: attr(t.map(t.map(t.list(t.int))), { flags: ['allClients'] }),
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof TsworldError ? err.code : `non-tsworld: ${String(err)}`;
  }
  return undefined;
}

describe('attribute declarations', () => {
  it('derives sync routing from flags; allClients implies client', () => {
    const layout = compileAttrLayout('A', decls, true);
    expect(layout.get('name')).toMatchObject({ sync: 'allClients', persistent: true });
    expect(layout.get('hp')).toMatchObject({ sync: 'client', persistent: false });
    expect(layout.get('secret')).toMatchObject({ sync: 'server', persistent: false });
    expect(layout.get('name')?.initial()).toBe('anon');
  });

  it('rejects a persistent attribute on a non-persistent type', () => {
    expect(codeOf(() => defineEntityType({ name: 'Npc', attrs: { gold: attr(t.int, { flags: ['persistent'] }) } }))).toBe(
      'INVALID_DECLARATION',
    );
    expect(codeOf(() => defineEntityType({ name: 'Pc', persistent: true, attrs: { gold: attr(t.int, { flags: ['persistent'] }) } }))).toBe(
      undefined,
    );
  });

  it('rejects non-attribute specs, unknown flags and bad defaults', () => {
    expect(codeOf(() => compileAttrLayout('A', { x: attr(t.nullable(t.int)) }, false))).toBe('INVALID_DECLARATION');
    expect(codeOf(() => compileAttrLayout('A', { x: attr(t.bytes) }, false))).toBe('INVALID_DECLARATION');
    expect(codeOf(() => compileAttrLayout('A', { x: attr(t.int, { flags: ['everyone' as 'client'] }) }, false))).toBe('INVALID_DECLARATION');
    expect(codeOf(() => compileAttrLayout('A', { x: attr(t.int, { default: 1.5 }) }, false))).toBe('INVALID_DECLARATION');
    expect(codeOf(() => compileAttrLayout('A', { 'two words': attr(t.int) }, false))).toBe('INVALID_DECLARATION');
    expect(codeOf(() => compileAttrLayout('A', JSON.parse('{"__proto__": {"spec": {"kind": "int"}, "flags": []}}'), false))).toBe(
      'INVALID_DECLARATION',
    );
  });
});

describe('attribute tree ops', () => {
  function tree() {
    const ops: [string, AttrOp][] = [];
    const layout = compileAttrLayout('A', decls, true);
    const attrs = createAttrTree<typeof decls>(layout, (root, op) => ops.push([root.name, op]));
    return { ops, attrs, a: attrs.accessor };
  }

  it('records every op kind with its root-first path', () => {
    const { ops, attrs, a } = tree();
    a.set('name', 'bob');
    a.map('stats').set('speed', 1.5);
    a.map('stats').set('armor', 2);
    expect(a.map('stats').delete('armor')).toBe(true);
    expect(a.map('stats').delete('armor')).toBe(false);
    a.map('stats').clear();
    a.list('bag').append('sword');
    a.list('bag').append('shield');
    a.list('bag').set(0, 'axe');
    expect(a.list('bag').pop()).toBe('shield');
    a.map('deep').set('k', { inner: [1] });
    a.map('deep').map('k').list('inner').append(2);
    a.map('deep').map('k').set('other', []);
    expect(ops).toEqual([
      ['name', { op: 'mapSet', path: [], key: 'name', value: 'bob' }],
      ['stats', { op: 'mapSet', path: ['stats'], key: 'speed', value: 1.5 }],
      ['stats', { op: 'mapSet', path: ['stats'], key: 'armor', value: 2 }],
      ['stats', { op: 'mapDelete', path: ['stats'], key: 'armor', value: undefined }],
      ['stats', { op: 'mapClear', path: ['stats'], key: undefined, value: undefined }],
      ['bag', { op: 'listAppend', path: ['bag'], key: undefined, value: 'sword' }],
      ['bag', { op: 'listAppend', path: ['bag'], key: undefined, value: 'shield' }],
      ['bag', { op: 'listSet', path: ['bag'], key: 0, value: 'axe' }],
      ['bag', { op: 'listPop', path: ['bag'], key: undefined, value: undefined }],
      ['deep', { op: 'mapSet', path: ['deep'], key: 'k', value: { inner: [1] } }],
      ['deep', { op: 'listAppend', path: ['deep', 'k', 'inner'], key: undefined, value: 2 }],
      ['deep', { op: 'mapSet', path: ['deep', 'k'], key: 'other', value: [] }],
    ]);
    expect(attrs.snapshot(() => true)).toEqual({
      name: 'bob',
      hp: 0,
      secret: '',
      bag: ['axe'],
      stats: {},
      deep: { k: { inner: [1, 2], other: [] } },
    });
  });

  it('buffers copies, so later mutation does not rewrite an op already recorded', () => {
    const { ops, a } = tree();
    const list = ['a'];
    a.set('bag', list);
    list.push('b');
    a.list('bag').append('c');
    expect(ops[0][1].value).toEqual(['a']);
    expect(a.get('bag')).toEqual(['a', 'c']);
  });

  it('validates values at runtime and rejects bad paths', () => {
    const { ops, a } = tree();
    expect(codeOf(() => a.set('hp', 1.5))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => a.set('name', 3 as unknown as string))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => a.list('bag').set(5, 'x'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => a.map('deep').map('missing').set('x', [1]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => a.set('nope' as 'name', 'x'))).toBe('INVALID_ARGUMENT');
    expect(ops).toEqual([]);
  });

  it('treats __proto__ as an ordinary map key', () => {
    const { a } = tree();
    a.map('stats').set('__proto__', 4);
    expect(a.map('stats').keys()).toEqual(['__proto__']);
    expect(a.map('stats').get('__proto__')).toBe(4);
  });

  it('restores wholesale without ops and reports roots it had to reset or drop', () => {
    const { ops, attrs, a } = tree();
    const reset = attrs.restore({ name: 'zed', hp: 'bad', gone: 1, bag: ['x'] });
    expect(ops).toEqual([]);
    expect(a.get('name')).toBe('zed');
    expect(a.get('hp')).toBe(0);
    expect(reset.sort()).toEqual(['deep', 'gone', 'hp', 'secret', 'stats']);
  });

  it('type-checks keys and values at the call site', () => {
    const { a } = tree();
    const guard = () => {
      // @ts-expect-error name is a string
      a.set('name', 5);
      // @ts-expect-error no such attribute
      a.set('missing', 1);
      // @ts-expect-error bag is a list, not a map
      a.map('bag');
      // @ts-expect-error bag holds strings
      a.list('bag').append(1);
      // @ts-expect-error stats holds floats
      a.map('stats').set('x', 'fast');
      // @ts-expect-error stats values are leaves, not lists
      a.map('stats').list('x');
      // @ts-expect-error inner lists hold ints
      a.map('deep').map('k').list('inner').append('x');
    };
    expect(typeof guard).toBe('function');
  });
});

describe('attribute deltas through a world', () => {
  const Avatar = defineEntityType({ name: 'Avatar', persistent: true, attrs: decls });

  it('buffers client-visible ops per entity, routes by flag and marks persistent changes dirty', () => {
    const world = createGameWorld({ entityTypes: [Avatar], aoiFactory: createBruteForceAoi, onError: (e) => { throw e; } });
    const a = world.createEntity(Avatar, { attrs: { name: 'init' } });
    const b = world.createEntity(Avatar);
    world.applyDeferred();
    const drained: [string, AttrDelta[]][] = [];
    world.drainAttrDeltas((e, d) => drained.push([e.id, [...d]]));
    expect(drained).toEqual([]); // attrs set before onCreated travel in the create snapshot
    const saved: string[] = [];
    world.drainSaveDirty((e, attrs) => saved.push(`${e.id}:${String(attrs.name)}`));
    expect(saved.sort()).toEqual([`${a}:init`, `${b}:anon`].sort());

    const ea = world.entity(a)!;
    const eb = world.entity(b)!;
    eb.attrs.set('hp', 3);
    ea.attrs.set('secret', 'x');
    ea.attrs.set('name', 'ann');
    ea.attrs.list('bag').append('key');
    world.drainAttrDeltas((e, d) => drained.push([e.id, [...d]]));
    expect(drained.map(([id, d]) => [id, d.map((x) => `${x.root}:${x.op}:${x.sync}`)])).toEqual([
      [b, ['hp:mapSet:client']],
      [a, ['name:mapSet:allClients', 'bag:listAppend:client']],
    ]);
    drained.length = 0;
    world.drainAttrDeltas((e, d) => drained.push([e.id, [...d]]));
    expect(drained).toEqual([]);
    world.drainSaveDirty((e) => saved.push(e.id));
    expect(saved.slice(2)).toEqual([a]);

    expect(world.clientSnapshot(a, 'owner')).toEqual({ name: 'ann', hp: 0, bag: ['key'], stats: {}, deep: {} });
    expect(world.clientSnapshot(a, 'observer')).toEqual({ name: 'ann', stats: {}, deep: {} });
    expect(world.persistentSnapshot(a)).toEqual({ name: 'ann' });
  });
});
