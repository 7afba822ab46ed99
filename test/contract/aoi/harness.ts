import { expect } from 'vitest';
import type { AoiEvents, AoiIndex } from '../../../src/aoi/aoi-index.ts';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';

/** Pairs as sorted "w>t" strings, so a mismatch prints a readable diff. */
export function enterPairs(e: AoiEvents): string[] {
  const out: string[] = [];
  for (let i = 0; i < e.enterCount; i++) out.push(`${e.enterWatcher[i]}>${e.enterTarget[i]}`);
  return out.sort();
}

export function leavePairs(e: AoiEvents): string[] {
  const out: string[] = [];
  for (let i = 0; i < e.leaveCount; i++) out.push(`${e.leaveWatcher[i]}>${e.leaveTarget[i]}`);
  return out.sort();
}

function collect(each: (h: number, fn: (o: number) => void) => void, handle: number): number[] {
  const out: number[] = [];
  each(handle, (o) => out.push(o));
  return out.sort((a, b) => a - b);
}

/**
 * Drives an implementation and the oracle with the same operations and, on every update, requires the
 * same enter/leave sets, the same neighbour lists and the same query answers.
 */
export class Lockstep {
  readonly oracle: AoiIndex;
  /** Handles present as of the last update, for neighbour-list checks. */
  private readonly committed = new Set<number>();
  private readonly intent = new Set<number>();
  updates = 0;
  enters = 0;
  leaves = 0;

  constructor(readonly impl: AoiIndex, defaultRadius: number) {
    this.oracle = createBruteForceAoi({ defaultRadius });
  }

  /**
   * Every other update, the implementation takes its moves through moveMany (the game's per-tick path):
   * they are held as position columns indexed by handle and handed over in one call before the next other
   * operation, so the order of operations stays the oracle's.
   */
  private pendingHandles: number[] = [];
  private xs = new Float32Array(64);
  private zs = new Float32Array(64);

  private flushMoves(): void {
    if (this.pendingHandles.length === 0) return;
    const handles = Int32Array.from(this.pendingHandles);
    this.impl.moveMany(handles, handles.length, this.xs, this.zs);
    this.pendingHandles = [];
  }

  add(h: number, x: number, z: number, r: number): void {
    this.flushMoves();
    this.impl.add(h, x, z, r);
    this.oracle.add(h, x, z, r);
    this.intent.add(h);
  }

  move(h: number, x: number, z: number): void {
    this.oracle.move(h, x, z);
    if (this.updates % 2 === 0) {
      this.impl.move(h, x, z);
      return;
    }
    if (h >= this.xs.length) {
      const grow = (a: Float32Array) => {
        const b = new Float32Array(Math.max(h + 1, a.length * 2));
        b.set(a);
        return b;
      };
      this.xs = grow(this.xs);
      this.zs = grow(this.zs);
    }
    this.xs[h] = x;
    this.zs[h] = z;
    this.pendingHandles.push(h);
  }

  setRadius(h: number, r: number): void {
    this.flushMoves();
    this.impl.setRadius(h, r);
    this.oracle.setRadius(h, r);
  }

  remove(h: number): void {
    this.flushMoves();
    this.impl.remove(h);
    this.oracle.remove(h);
    this.intent.delete(h);
  }

  present(): number[] {
    return [...this.intent];
  }

  update(checkNeighbours: number[] = []): void {
    this.flushMoves();
    const got = this.impl.update();
    const gotEnter = enterPairs(got);
    const gotLeave = leavePairs(got);
    const want = this.oracle.update();
    const wantEnter = enterPairs(want);
    const wantLeave = leavePairs(want);
    const at = `update #${this.updates}`;
    expect(gotEnter, `${at} enter set`).toEqual(wantEnter);
    expect(gotLeave, `${at} leave set`).toEqual(wantLeave);
    expect(new Set(gotEnter).size, `${at} duplicate enter`).toBe(gotEnter.length);
    this.enters += wantEnter.length;
    this.leaves += wantLeave.length;
    this.updates++;
    this.committed.clear();
    for (const h of this.intent) this.committed.add(h);
    expect(this.impl.size).toBe(this.oracle.size);
    for (const h of checkNeighbours) this.checkNeighbours(h);
  }

  checkNeighbours(h: number): void {
    const i = this.impl;
    const o = this.oracle;
    expect(collect(i.forEachInterestedIn.bind(i), h), `interestedIn(${h})`).toEqual(
      collect(o.forEachInterestedIn.bind(o), h),
    );
    expect(collect(i.forEachInterestedBy.bind(i), h), `interestedBy(${h})`).toEqual(
      collect(o.forEachInterestedBy.bind(o), h),
    );
  }

  checkAllNeighbours(): void {
    for (const h of this.committed) this.checkNeighbours(h);
  }

  checkQueries(x: number, z: number, r: number, w: number, h: number): void {
    const sort = (a: number[]) => a.sort((p, q) => p - q);
    const seed = [-1];
    const got = this.impl.queryRadius(x, z, r, [...seed]);
    expect(got[0], 'queryRadius appends to out').toBe(-1);
    expect(sort(got.slice(1)), `queryRadius(${x}, ${z}, ${r})`).toEqual(sort(this.oracle.queryRadius(x, z, r)));
    expect(sort(this.impl.queryRect(x, z, x + w, z + h)), `queryRect(${x}, ${z}, ${w}, ${h})`).toEqual(
      sort(this.oracle.queryRect(x, z, x + w, z + h)),
    );
  }
}
