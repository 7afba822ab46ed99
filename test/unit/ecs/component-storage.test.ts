import { describe, expect, it } from 'vitest';
import { TsworldError } from '../../../src/core/errors.ts';
import { createComponentStorage } from '../../../src/ecs/component-storage.ts';
import { defineComponent } from '../../../src/ecs/schema.ts';
import { matchComponentSchema } from '../../../src/ecs/schema-match.ts';

const Pos = defineComponent('Pos', { x: 'f32', y: { type: 'f64', default: 7 }, tag: 'u8' });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof TsworldError ? err.code : `non-tsworld: ${String(err)}`;
  }
  return undefined;
}

describe('defineComponent', () => {
  it('derives byte size and a stable, order-independent schema hash', () => {
    expect(Pos.byteSize).toBe(4 + 8 + 1);
    const reordered = defineComponent('Pos', { tag: 'u8', y: 'f64', x: 'f32' });
    expect(reordered.schemaHash).toBe(Pos.schemaHash);
    expect(defineComponent('Pos', { x: 'f64', y: 'f64', tag: 'u8' }).schemaHash).not.toBe(Pos.schemaHash);
    expect(defineComponent('Pos2', { x: 'f32', y: 'f64', tag: 'u8' }).schemaHash).not.toBe(Pos.schemaHash);
    expect(Object.isFrozen(Pos)).toBe(true);
  });

  it('rejects bad declarations', () => {
    expect(codeOf(() => defineComponent('A', { x: 'f16' as 'f32' }))).toBe('INVALID_DECLARATION');
    expect(codeOf(() => defineComponent('A', {}))).toBe('INVALID_DECLARATION');
    expect(codeOf(() => defineComponent('bad name', { x: 'u8' }))).toBe('INVALID_DECLARATION');
  });
});

describe('component storage', () => {
  it('allocates typed arrays with defaults and per-world isolation', () => {
    const a = createComponentStorage({ initialCapacity: 4 });
    const b = createComponentStorage({ initialCapacity: 4 });
    const sa = a.register(Pos);
    const sb = b.register(Pos);
    expect(sa.x).toBeInstanceOf(Float32Array);
    expect(sa.y).toBeInstanceOf(Float64Array);
    expect(sa.tag).toBeInstanceOf(Uint8Array);
    expect(Array.from(sa.y)).toEqual([7, 7, 7, 7]);
    sa.x[1] = 3;
    expect(sb.x[1]).toBe(0);
  });

  it('grows by reallocating and copying, keeping the store object and the data', () => {
    const storage = createComponentStorage({ initialCapacity: 4, maxCapacity: 64 });
    const store = storage.register(Pos);
    store.x[3] = 1.5;
    const before = store.x;
    storage.ensureCapacity(4);
    expect(storage.capacity).toBe(8);
    expect(store.x).not.toBe(before);
    expect(store.x[3]).toBe(1.5);
    expect(store.y[6]).toBe(7);
    storage.ensureCapacity(40);
    expect(storage.capacity).toBe(41);
    expect(store.tag.length).toBe(41);
  });

  it('fails with CAPACITY_EXCEEDED at the hard maximum and leaves data untouched', () => {
    const storage = createComponentStorage({ initialCapacity: 4, maxCapacity: 8 });
    const store = storage.register(Pos);
    storage.ensureCapacity(7);
    store.x[7] = 9;
    expect(codeOf(() => storage.ensureCapacity(8))).toBe('CAPACITY_EXCEEDED');
    expect(store.x[7]).toBe(9);
    expect(storage.capacity).toBe(8);
  });

  it('resets recycled slots to defaults', () => {
    const storage = createComponentStorage({ initialCapacity: 4 });
    const store = storage.register(Pos);
    store.y[2] = 1;
    storage.resetEntity(Pos, 2);
    expect(store.y[2]).toBe(7);
  });

  it('refuses a second, different definition under the same name', () => {
    const storage = createComponentStorage();
    storage.register(Pos);
    expect(codeOf(() => storage.register(defineComponent('Pos', { x: 'f32' })))).toBe('INVALID_DECLARATION');
    expect(codeOf(() => storage.store(defineComponent('Other', { x: 'f32' })))).toBe('INVALID_ARGUMENT');
  });

  it('dumps whole arrays up to the high-water mark and loads them into a fresh world', () => {
    const src = createComponentStorage({ initialCapacity: 4 });
    const s = src.register(Pos);
    src.ensureCapacity(9);
    for (let i = 0; i < 10; i++) {
      s.x[i] = i * 1.25;
      s.y[i] = -i;
      s.tag[i] = i * 3;
    }
    const dump = src.dump(Pos, 10);
    expect(dump.fields.map((f) => [f.name, f.bytes.byteLength])).toEqual([
      ['x', 40],
      ['y', 80],
      ['tag', 10],
    ]);
    s.x[0] = 99; // the dump is a copy, not a view
    const dst = createComponentStorage({ initialCapacity: 2 });
    const d = dst.register(Pos);
    dst.load(Pos, dump);
    expect(dst.capacity).toBeGreaterThanOrEqual(10);
    expect(Array.from(d.x.subarray(0, 10))).toEqual([0, 1.25, 2.5, 3.75, 5, 6.25, 7.5, 8.75, 10, 11.25]);
    expect(d.y[9]).toBe(-9);
    expect(d.tag[9]).toBe(27);
    dst.ensureCapacity(12);
    expect(d.y[11]).toBe(7);
  });

  it('loads from unaligned byte buffers', () => {
    const src = createComponentStorage({ initialCapacity: 4 });
    src.register(Pos).y[2] = 4.5;
    const dump = src.dump(Pos, 4);
    const yField = dump.fields[1];
    const padded = new Uint8Array(yField.bytes.byteLength + 1);
    padded.set(yField.bytes, 1);
    yField.bytes = padded.subarray(1);
    const dst = createComponentStorage({ initialCapacity: 4 });
    dst.register(Pos);
    dst.load(Pos, dump);
    expect(dst.store(Pos).y[2]).toBe(4.5);
  });
});

describe('schema matching', () => {
  const src = createComponentStorage({ initialCapacity: 4 });
  const s = src.register(Pos);
  s.x[1] = 2;
  s.tag[1] = 5;
  const dump = src.dump(Pos, 4);

  it('is identical for the same schema', () => {
    const m = matchComponentSchema(dump, Pos);
    expect(m.identical).toBe(true);
    expect([...m.bytes.keys()]).toEqual(['x', 'y', 'tag']);
  });

  it('gives new fields their defaults and drops removed ones', () => {
    const V2 = defineComponent('Pos', { x: 'f32', tag: 'u8', hp: { type: 'u16', default: 100 } });
    const m = matchComponentSchema(dump, V2);
    expect(m.added).toEqual(['hp']);
    expect(m.removed).toEqual(['y']);
    const dst = createComponentStorage({ initialCapacity: 4 });
    const d = dst.register(V2);
    dst.load(V2, dump);
    expect(d.x[1]).toBe(2);
    expect(d.tag[1]).toBe(5);
    expect(Array.from(d.hp)).toEqual([100, 100, 100, 100]);
  });

  it('rejects a type change with SCHEMA_MISMATCH', () => {
    const V3 = defineComponent('Pos', { x: 'f64', y: 'f64', tag: 'u8' });
    expect(codeOf(() => matchComponentSchema(dump, V3))).toBe('SCHEMA_MISMATCH');
    expect(codeOf(() => matchComponentSchema(dump, defineComponent('Nope', { x: 'f32' })))).toBe('SCHEMA_MISMATCH');
  });

  it('rejects a dump whose byte length does not match its count', () => {
    const bad = { ...dump, count: 5 };
    expect(codeOf(() => matchComponentSchema(bad, Pos))).toBe('SCHEMA_MISMATCH');
  });
});
