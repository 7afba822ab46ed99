import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import { attr } from '../../../src/core/attr-decl.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { defineSpaceType } from '../../../src/core/space.ts';
import { t } from '../../../src/core/value-types.ts';
import { createGameWorld } from '../../../src/core/world.ts';
import { dumpWorld, entityRows } from '../../../src/core/world-dump.ts';
import type { GameWorldOptions } from '../../../src/core/world-api.ts';
import { splitRawAttrColumns } from '../../../src/hotswap/attr-column-codec.ts';
import { restoreFromFile } from '../../../src/hotswap/hot-swap.ts';
import { readSnapshot, writeSnapshot } from '../../../src/hotswap/snapshot-file.ts';

function options(): GameWorldOptions {
  const Thing = defineEntityType({
    name: 'Thing',
    attrs: {
      count: attr(t.int),
      speed: attr(t.float),
      signed: attr(t.float),
      label: attr(t.map(t.int)),
      tags: attr(t.list(t.string)),
    },
  });
  return { entityTypes: [Thing], spaceTypes: [defineSpaceType({ name: 'S' })], aoiFactory: createBruteForceAoi, onError: (e: unknown) => { throw e; } };
}

describe('raw attribute columns', () => {
  it('stores int32 and number columns raw, keeps -0, huge ints and mixed columns exact', () => {
    const world = createGameWorld(options());
    const signed = [0, -0, 2 ** 40, -3];
    const ids = signed.map((s, i) =>
      world.createEntity('Thing', { attrs: { count: i * 1000 - 1, speed: i + 0.25, signed: s, label: { n: i }, tags: [`t${i}`] } }),
    );
    world.applyDeferred();
    const dump = dumpWorld(world);
    const split = splitRawAttrColumns(dump.state.entities.attrs);
    const roots = dump.state.entities.attrs[0].roots;
    // count fits int32; speed and signed (-0, 2^40) need doubles; label (maps) and tags (lists) stay msgpack.
    expect(split.raw.map((r) => `${roots[r.root]}:${r.kind}`)).toEqual(['count:i32', 'speed:f64', 'signed:f64']);

    const dir = mkdtempSync(join(tmpdir(), 'tsworld-attrcol-'));
    try {
      const path = join(dir, 'g.snap');
      writeSnapshot(path, dump);
      const snap = readSnapshot(path);
      const cols = snap.dump.state.entities.attrs[0].columns;
      expect(cols[roots.indexOf('count')]).toBeInstanceOf(Int32Array);
      expect(cols[roots.indexOf('signed')]).toBeInstanceOf(Float64Array);
      expect(entityRows(snap.dump)).toEqual(entityRows(dump));
      const { world: back } = restoreFromFile(path, options());
      ids.forEach((id, i) => {
        const e = back.entity(id)!;
        expect(Object.is(e.attrs.get('signed'), signed[i])).toBe(true);
        expect(e.attrs.get('count')).toBe(i * 1000 - 1);
        expect(e.attrs.get('speed')).toBe(i + 0.25);
        expect(e.attrs.get('label')).toEqual({ n: i });
      });
      // A restored world's columns (typed arrays) dump and write again the same way.
      const again = dumpWorld(back);
      expect(entityRows(again)).toEqual(entityRows(dump));
      writeSnapshot(path, again);
      expect(entityRows(readSnapshot(path).dump)).toEqual(entityRows(dump));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
