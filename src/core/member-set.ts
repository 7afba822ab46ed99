import type { ComponentStorage } from '../ecs/component-storage.ts';
import { defineComponent } from '../ecs/schema.ts';

/**
 * Where each eid sits in its space's member list. Internal: never attached to an entity, so never
 * dumped; it lives in component storage only so it grows with every other per-eid array.
 */
export const MemberSlot = defineComponent('__MemberSlot', { slot: 'i32' });

/**
 * A space's members: eids in a dense list, each eid's place kept in the world's MemberSlot column.
 * An entity is a member of exactly one space (the nil space included) at a time, so one column serves
 * every space, and `has` is one comparison: the slot points at the eid in this list. Compared with a
 * Set, a restore fills it with one array (addAll) instead of a hundred thousand inserts. Removal swaps
 * the last member into the hole: iteration order is not insertion order.
 */
export class MemberSet implements Iterable<number> {
  private list: number[] = [];

  constructor(private readonly storage: ComponentStorage) {}

  get size(): number {
    return this.list.length;
  }

  has(eid: number): boolean {
    const slot = this.storage.store(MemberSlot).slot[eid];
    return slot < this.list.length && this.list[slot] === eid;
  }

  add(eid: number): void {
    if (this.has(eid)) return;
    this.storage.store(MemberSlot).slot[eid] = this.list.length;
    this.list.push(eid);
  }

  delete(eid: number): boolean {
    if (!this.has(eid)) return false;
    const slots = this.storage.store(MemberSlot).slot;
    const at = slots[eid];
    const last = this.list.pop() as number;
    if (last !== eid) {
      this.list[at] = last;
      slots[last] = at;
    }
    return true;
  }

  /** Adds eids that are members of no space yet, taking over the array (the caller lets go of it). */
  addAll(eids: number[]): void {
    if (this.list.length > 0) {
      for (const eid of eids) this.add(eid);
      return;
    }
    const slots = this.storage.store(MemberSlot).slot;
    for (let i = 0; i < eids.length; i++) slots[eids[i]] = i;
    this.list = eids;
  }

  [Symbol.iterator](): IterableIterator<number> {
    return this.list[Symbol.iterator]();
  }
}
