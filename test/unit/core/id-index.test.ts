import { describe, expect, it } from 'vitest';
import { IdIndex } from '../../../src/core/id-index.ts';
import { mulberry32 } from '../../../src/testing/prng.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function randomIds(n: number, seed: number): string[] {
  const rand = mulberry32(seed);
  const ids = new Set<string>();
  while (ids.size < n) {
    let id = '';
    for (let k = 0; k < 16; k++) id += ALPHABET[Math.floor(rand() * ALPHABET.length)];
    ids.add(id);
  }
  return [...ids];
}

describe('IdIndex', () => {
  it('agrees with a Map through random adds and deletes, across growth', () => {
    const rand = mulberry32(7);
    const ids = randomIds(5000, 1);
    const index = new IdIndex();
    const model = new Map<string, number>();
    const freeEids: number[] = [];
    let nextEid = 1;
    for (let step = 0; step < 20_000; step++) {
      const id = ids[Math.floor(rand() * ids.length)];
      if (model.has(id)) {
        expect(index.delete(id)).toBe(true);
        freeEids.push(model.get(id)!);
        model.delete(id);
      } else {
        const eid = freeEids.pop() ?? nextEid++;
        index.set(id, eid);
        model.set(id, eid);
      }
      if (step % 997 === 0) {
        const wrong = ids.filter((probe) => index.get(probe) !== (model.get(probe) ?? 0));
        expect(wrong).toEqual([]);
      }
    }
    expect(index.size).toBe(model.size);
    for (const [id, eid] of model) {
      expect(index.get(id)).toBe(eid);
      expect(index.idAt(eid)).toBe(id);
      expect(index.listed(eid)).toBe(true);
    }
    expect([...index.eids()]).toEqual([...model.values()].sort((a, b) => a - b));
    expect(index.highWater).toBe(Math.max(...model.values()) + 1);
    expect(index.delete('nothing-here-000')).toBe(false);
    expect(index.get('short')).toBe(0);
  });

  it('keeps every id of a probe run findable when one in the middle is deleted', () => {
    // A tiny table forces long runs; deleting each id in turn checks the backward shift.
    const ids = randomIds(30, 3);
    for (let victim = 0; victim < ids.length; victim++) {
      const index = new IdIndex();
      ids.forEach((id, i) => index.set(id, i + 1));
      index.delete(ids[victim]);
      ids.forEach((id, i) => expect(index.get(id)).toBe(i === victim ? 0 : i + 1));
    }
  });

  it('restores from its dump by copying, and refuses a table that does not fit its ids', () => {
    const ids = randomIds(1000, 5);
    const index = new IdIndex();
    ids.forEach((id, i) => index.set(id, 2 * i + 1)); // every other eid: holes
    index.delete(ids[10]);
    const dump = index.dump();
    const back = new IdIndex(dump);
    expect(back.size).toBe(999);
    ids.forEach((id, i) => expect(back.get(id)).toBe(i === 10 ? 0 : 2 * i + 1));
    // The copy is its own: changing it leaves the dump (and the original) alone.
    back.set(ids[10], 21);
    expect(index.get(ids[10])).toBe(0);
    expect(new IdIndex(dump).get(ids[10])).toBe(0);

    const code = (f: () => unknown) => {
      try {
        f();
        return 'no error';
      } catch (e) {
        return (e as { code?: string }).code;
      }
    };
    const dup = { ...dump, slots: dump.slots.slice() };
    const full = dup.slots.findIndex((e) => e !== 0);
    const empty = dup.slots.findIndex((e) => e === 0);
    dup.slots[empty] = dup.slots[full];
    expect(code(() => new IdIndex(dup))).toBe('INVALID_STATE');
    expect(code(() => new IdIndex({ ...dump, size: dump.size + 1 }))).toBe('INVALID_STATE');
    expect(code(() => new IdIndex({ ...dump, slots: dump.slots.subarray(0, 100) }))).toBe('INVALID_STATE');
    expect(code(() => new IdIndex({ ...dump, listed: dump.listed.map((v, eid) => (eid === 2 ? 1 : v)) }))).toBe('INVALID_STATE');
  });

  it('refuses an id of the wrong length and a taken eid', () => {
    const index = new IdIndex();
    index.set('AAAAAAAAAAAAAAAA', 1);
    expect(() => index.set('short', 2)).toThrow(/16 one-byte characters/);
    expect(() => index.set('ĀAAAAAAAAAAAAAAA', 2)).toThrow(/one-byte/);
    expect(() => index.set('BBBBBBBBBBBBBBBB', 1)).toThrow(/taken/);
  });
});
