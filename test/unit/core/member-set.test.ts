import { describe, expect, it } from 'vitest';
import { MemberSet, MemberSlot } from '../../../src/core/member-set.ts';
import { createComponentStorage } from '../../../src/ecs/component-storage.ts';
import { mulberry32 } from '../../../src/testing/prng.ts';

describe('MemberSet', () => {
  it('agrees with a Set while eids move between spaces, across storage growth', () => {
    const storage = createComponentStorage({ initialCapacity: 8, maxCapacity: 1 << 12 });
    storage.register(MemberSlot);
    const sets = [new MemberSet(() => storage.store(MemberSlot).slot), new MemberSet(() => storage.store(MemberSlot).slot), new MemberSet(() => storage.store(MemberSlot).slot)];
    const models = sets.map(() => new Set<number>());
    const where = new Map<number, number>();
    const rand = mulberry32(11);
    for (let step = 0; step < 5000; step++) {
      const eid = 1 + Math.floor(rand() * 300);
      storage.ensureCapacity(eid);
      const from = where.get(eid);
      const to = Math.floor(rand() * 4); // 3: leaves every space
      if (from !== undefined) {
        expect(sets[from].delete(eid)).toBe(true);
        models[from].delete(eid);
        where.delete(eid);
      }
      if (to < 3) {
        sets[to].add(eid);
        models[to].add(eid);
        where.set(eid, to);
      }
      // An eid is only ever in one set: asking another one never finds it.
      for (let s = 0; s < 3; s++) expect(sets[s].has(eid)).toBe(models[s].has(eid));
    }
    sets.forEach((set, s) => {
      expect(set.size).toBe(models[s].size);
      expect([...set].sort((a, b) => a - b)).toEqual([...models[s]].sort((a, b) => a - b));
    });
  });

  it('takes a whole list at once (restore) and keeps working after it', () => {
    const storage = createComponentStorage({ initialCapacity: 64 });
    storage.register(MemberSlot);
    const set = new MemberSet(() => storage.store(MemberSlot).slot);
    set.addAll([5, 9, 2, 40]);
    expect(set.size).toBe(4);
    expect([5, 9, 2, 40].every((e) => set.has(e))).toBe(true);
    expect(set.has(3)).toBe(false);
    expect(set.delete(9)).toBe(true);
    expect(set.delete(9)).toBe(false);
    set.add(3);
    set.addAll([7]); // not empty: added one by one
    expect([...set].sort((a, b) => a - b)).toEqual([2, 3, 5, 7, 40]);
  });
});
