import { defineComponent } from '../ecs/schema.ts';

/**
 * Where each eid sits in its space's member list. Internal: never attached to an entity, so never
 * dumped; it lives in component storage only so it grows with every other per-eid array.
 */
export const MemberSlot = defineComponent('__MemberSlot', { slot: 'i32' });

/**
 * A dense list of eids, each eid's place in it kept in a world-wide per-eid column (`slots`, fetched on
 * each use because component columns grow). An eid is in at most one list of a given column at a time,
 * so one column serves every space, and `has` is one comparison: the slot points at the eid here. A
 * space's members use the MemberSlot column and its AOI index's entries AoiTrack.slot. Compared with a
 * Set, a restore fills it with one array (addAll) instead of a hundred thousand inserts. Removal swaps
 * the last eid into the hole: iteration order is not insertion order.
 */
export class MemberSet implements Iterable<number> {
  private list: number[] = [];

  constructor(private readonly slots: () => Int32Array) {}

  get size(): number {
    return this.list.length;
  }

  /** The eids, dense, for per-tick scans (read only: the set owns the array). */
  get eids(): readonly number[] {
    return this.list;
  }

  has(eid: number): boolean {
    const slot = this.slots()[eid];
    return slot < this.list.length && this.list[slot] === eid;
  }

  add(eid: number): void {
    if (this.has(eid)) return;
    this.slots()[eid] = this.list.length;
    this.list.push(eid);
  }

  delete(eid: number): boolean {
    if (!this.has(eid)) return false;
    const slots = this.slots();
    const at = slots[eid];
    const last = this.list.pop() as number;
    if (last !== eid) {
      this.list[at] = last;
      slots[last] = at;
    }
    return true;
  }

  clear(): void {
    this.list = [];
  }

  /** Adds eids that are members of no space yet, taking over the array (the caller lets go of it). */
  addAll(eids: number[]): void {
    if (this.list.length > 0) {
      for (const eid of eids) this.add(eid);
      return;
    }
    const slots = this.slots();
    for (let i = 0; i < eids.length; i++) slots[eids[i]] = i;
    this.list = eids;
  }

  [Symbol.iterator](): IterableIterator<number> {
    return this.list[Symbol.iterator]();
  }
}
