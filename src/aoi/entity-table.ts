import type { AoiIndex } from './aoi-index.ts';
import type { AoiEventBuffer } from './event-buffer.ts';
import { grownCopy } from './grow-array.ts';
import { checkHandle, checkPosition, checkRadius, duplicateHandle, unknownHandle } from './aoi-validate.ts';

/**
 * Handle-indexed AOI state for the fast implementations: the committed state (as of the last update,
 * `o*`) and the recorded intent (`n*`), both float32 per the seam's arithmetic rule. Keeping both lets
 * an update compute events as "relation(old) XOR relation(new)" for exactly the pairs that touch a
 * changed handle, with no stored neighbour sets to diff.
 */
export class AoiEntityTable {
  capacity = 0;
  /** One past the highest handle ever added: scans stop here. */
  limit = 0;
  size = 0;
  ox = new Float32Array(0);
  oz = new Float32Array(0);
  or = new Float32Array(0);
  oPresent = new Uint8Array(0);
  nx = new Float32Array(0);
  nz = new Float32Array(0);
  nr = new Float32Array(0);
  nPresent = new Uint8Array(0);
  changedFlag = new Uint8Array(0);
  changed = new Int32Array(0);
  changedCount = 0;

  constructor(readonly owner: string) {}

  add(h: number, x: number, z: number, r: number): void {
    checkHandle(h);
    checkPosition(x, z);
    checkRadius(r);
    if (h >= this.capacity) this.grow(h + 1);
    if (this.nPresent[h] === 1) throw duplicateHandle(this.owner, h);
    this.nPresent[h] = 1;
    this.nx[h] = x;
    this.nz[h] = z;
    this.nr[h] = r;
    this.size++;
    if (h >= this.limit) this.limit = h + 1;
    this.mark(h);
  }

  move(h: number, x: number, z: number): void {
    if (x - x !== 0 || z - z !== 0) checkPosition(x, z);
    if (!(h < this.capacity && this.nPresent[h] === 1)) throw unknownHandle(this.owner, h);
    this.nx[h] = x;
    this.nz[h] = z;
    if (this.changedFlag[h] === 0) this.mark(h);
  }

  /** AoiIndex.moveMany: one tight loop over typed arrays, no call per entity. */
  moveMany(handles: ArrayLike<number>, count: number, xs: ArrayLike<number>, zs: ArrayLike<number>): void {
    const { nx, nz, nPresent, changedFlag, changed, capacity } = this;
    let changedCount = this.changedCount;
    for (let k = 0; k < count; k++) {
      const h = handles[k];
      if (!(h < capacity && nPresent[h] === 1)) {
        this.changedCount = changedCount;
        throw unknownHandle(this.owner, h);
      }
      const x = Math.fround(xs[h]);
      const z = Math.fround(zs[h]);
      if (x === nx[h] && z === nz[h]) continue;
      if (x - x !== 0 || z - z !== 0) {
        this.changedCount = changedCount;
        checkPosition(x, z);
      }
      nx[h] = x;
      nz[h] = z;
      if (changedFlag[h] === 0) {
        changedFlag[h] = 1;
        changed[changedCount++] = h;
      }
    }
    this.changedCount = changedCount;
  }

  setRadius(h: number, r: number): void {
    checkRadius(r);
    if (!this.has(h)) throw unknownHandle(this.owner, h);
    this.nr[h] = r;
    this.mark(h);
  }

  remove(h: number): void {
    if (!this.has(h)) throw unknownHandle(this.owner, h);
    this.nPresent[h] = 0;
    this.size--;
    this.mark(h);
  }

  has(h: number): boolean {
    return Number.isInteger(h) && h >= 0 && h < this.capacity && this.nPresent[h] === 1;
  }

  /** Committed = as of the last update. */
  committed(h: number): boolean {
    return Number.isInteger(h) && h >= 0 && h < this.capacity && this.oPresent[h] === 1;
  }

  /**
   * Makes the intent the committed state: by whole columns where many changed (commitsColumns), else by
   * the changed list, with `scattered` when given (the native grid's C++ loop).
   */
  commit(scattered?: () => void): void {
    if (this.commitsColumns()) this.commitColumns();
    else if (scattered !== undefined) scattered();
    else this.commitChanged();
    this.changedCount = 0;
  }

  private commitChanged(): void {
    const { changed, changedFlag, nPresent, oPresent, nx, nz, nr, ox, oz, or } = this;
    for (let k = 0; k < this.changedCount; k++) {
      const h = changed[k];
      changedFlag[h] = 0;
      oPresent[h] = nPresent[h];
      ox[h] = nx[h];
      oz[h] = nz[h];
      or[h] = nr[h];
    }
  }

  /**
   * Whether commit copies whole columns. An unchanged handle already has o = n (every write to n marks
   * it changed), so where many changed, column copies (memcpy) replace the per-handle loop's scattered
   * stores: at 10k all-moving, 0.075 ms to 0.006 in TypeScript. Below an eighth of the handles, the loop
   * touches less memory than the copies.
   */
  commitsColumns(): boolean {
    return this.changedCount * 8 > this.limit;
  }

  /** commit by whole columns up to `limit` (see commitsColumns). */
  private commitColumns(): void {
    const limit = this.limit;
    this.oPresent.set(this.nPresent.subarray(0, limit));
    this.ox.set(this.nx.subarray(0, limit));
    this.oz.set(this.nz.subarray(0, limit));
    this.or.set(this.nr.subarray(0, limit));
    this.changedFlag.fill(0, 0, limit);
  }

  clear(): void {
    this.oPresent.fill(0);
    this.nPresent.fill(0);
    this.changedFlag.fill(0);
    this.changedCount = 0;
    this.size = 0;
    this.limit = 0;
  }

  private mark(h: number): void {
    if (this.changedFlag[h] === 1) return;
    this.changedFlag[h] = 1;
    this.changed[this.changedCount++] = h;
  }

  private grow(min: number): void {
    const cap = Math.max(min, this.capacity * 2, 64);
    this.ox = grownCopy(this.ox, cap);
    this.oz = grownCopy(this.oz, cap);
    this.or = grownCopy(this.or, cap);
    this.nx = grownCopy(this.nx, cap);
    this.nz = grownCopy(this.nz, cap);
    this.nr = grownCopy(this.nr, cap);
    this.oPresent = grownCopy(this.oPresent, cap);
    this.nPresent = grownCopy(this.nPresent, cap);
    this.changedFlag = grownCopy(this.changedFlag, cap);
    this.changed = grownCopy(this.changed, cap);
    this.capacity = cap;
  }
}

/** The AoiIndex members that are the table's own bookkeeping, alike in every table-backed index. */
type TableMembers = 'name' | 'size' | 'add' | 'move' | 'moveMany' | 'setRadius' | 'remove' | 'has';

/**
 * An AoiIndex over `table` (named after its owner): the bookkeeping from the table, the rest given
 * (`rest.moveMany`, when given, replaces the table's: the native grid's C++ loop).
 */
export function tableBackedIndex(
  table: AoiEntityTable,
  rest: Omit<AoiIndex, TableMembers> & Partial<Pick<AoiIndex, 'moveMany'>>,
): AoiIndex {
  return {
    name: table.owner,
    get size() {
      return table.size;
    },
    add: (h, x, z, r) => table.add(h, x, z, r),
    move: (h, x, z) => table.move(h, x, z),
    moveMany: (handles, count, xs, zs) => table.moveMany(handles, count, xs, zs),
    setRadius: (h, r) => table.setRadius(h, r),
    remove: (h) => table.remove(h),
    has: (h) => table.has(h),
    ...rest,
  };
}

/**
 * Before/after of one pair in both directions, straight from the table's committed and intended state:
 * the per-pair path of the implementations that do not sweep (rbush, and the grid's SPECIAL entries).
 */
export function evalTablePair(t: AoiEntityTable, ev: AoiEventBuffer, a: number, b: number): void {
  let dx = t.nx[a] - t.nx[b];
  let dz = t.nz[a] - t.nz[b];
  const dNew = dx * dx + dz * dz;
  dx = t.ox[a] - t.ox[b];
  dz = t.oz[a] - t.oz[b];
  const dOld = dx * dx + dz * dz;
  const bothNew = t.nPresent[a] === 1 && t.nPresent[b] === 1;
  const bothOld = t.oPresent[a] === 1 && t.oPresent[b] === 1;
  const nab = bothNew && dNew <= t.nr[a] * t.nr[a];
  const oab = bothOld && dOld <= t.or[a] * t.or[a];
  const nba = bothNew && dNew <= t.nr[b] * t.nr[b];
  const oba = bothOld && dOld <= t.or[b] * t.or[b];
  if (nab !== oab) {
    if (nab) ev.pushEnter(a, b);
    else ev.pushLeave(a, b);
  }
  if (nba !== oba) {
    if (nba) ev.pushEnter(b, a);
    else ev.pushLeave(b, a);
  }
}
