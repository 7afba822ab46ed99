import { type AoiEntityTable, evalTablePair } from './entity-table.ts';
import type { AoiEventBuffer } from './event-buffer.ts';
import { CHANGED, SPECIAL, type GridLayout } from './grid-layout.ts';

/*
 * Enter/leave computation over a GridLayout. Whether W watches T before the update is a pure function
 * of the old state, and after it of the new state, so the events are "before XOR after" per direction,
 * evaluated once for each pair that can touch a changed entity. Nothing per pair is stored or diffed.
 *
 * The sweeps are tuned for V8 on a loaded machine, where a mispredicted branch costs about five times
 * a whole candidate test: every candidate from the contiguous cell ranges is evaluated in both
 * directions WITHOUT branching (`+(a <= b)` compiles to a flag set; `if` and `?:` compile to jumps),
 * and its index is written unconditionally while the cursor only advances on a flip. Only the flips
 * (a few percent of candidates under a random walk) reach the emitting code.
 */

/** Per-entity flip buffer, sized to the population so no crowd can overflow it. */
export class SweepScratch {
  flips = new Int32Array(0);
  ensure(n: number): Int32Array {
    if (this.flips.length < n) this.flips = new Int32Array(Math.max(n, this.flips.length * 2));
    return this.flips;
  }
}

/** Emits the events of entity i against each compacted flipping partner. */
function emitFlips(L: GridLayout, ev: AoiEventBuffer, i: number, flips: Int32Array, m: number): void {
  const { sX, sZ, sOX, sOZ, sR2, sOR2, sH } = L;
  const hi = sH[i];
  for (let n = 0; n < m; n++) {
    const j = flips[n];
    const hj = sH[j];
    let dx = sX[i] - sX[j];
    let dz = sZ[i] - sZ[j];
    const dNew = dx * dx + dz * dz;
    dx = sOX[i] - sOX[j];
    dz = sOZ[i] - sOZ[j];
    const dOld = dx * dx + dz * dz;
    const nij = dNew <= sR2[i];
    if (nij !== dOld <= sOR2[i]) {
      if (nij) ev.pushEnter(hi, hj);
      else ev.pushLeave(hi, hj);
    }
    const nji = dNew <= sR2[j];
    if (nji !== dOld <= sOR2[j]) {
      if (nji) ev.pushEnter(hj, hi);
      else ev.pushLeave(hj, hi);
    }
  }
}

/**
 * emitFlips for a full-stencil scan from changed entry i, without the partners that own the pair: a
 * changed j sorting at or before i (or i itself) evaluates it from its own side. Tested here, on the
 * few flips, rather than per candidate: one load and two operations fewer in the sweep's inner loop.
 */
function emitOwnFlips(L: GridLayout, ev: AoiEventBuffer, i: number, flips: Int32Array, m: number): void {
  const { sFlag } = L;
  let kept = 0;
  for (let n = 0; n < m; n++) {
    const j = flips[n];
    if (j > i || (sFlag[j] & CHANGED) === 0) flips[kept++] = j;
  }
  if (kept > 0) emitFlips(L, ev, i, flips, kept);
}

/**
 * sweepAll when every entry has the same radius: one flip test covers both directions. A hand-specialised
 * copy of sweepAll's loop on purpose (~15% faster per tick at 100k moving; do not fold the two).
 */
function sweepAllUniform(L: GridLayout, ev: AoiEventBuffer, flips: Int32Array, r2: number): void {
  const { cellStart, sCell, sX, sZ, sOX, sOZ, width, count } = L;
  const S = L.stencil;
  for (let i = 0; i < count; i++) {
    const k = sCell[i];
    const xn = sX[i];
    const zn = sZ[i];
    const xo = sOX[i];
    const zo = sOZ[i];
    let m = 0;
    for (let rr = 0; rr <= S; rr++) {
      const base = k + rr * width;
      const end = cellStart[base + S + 1];
      for (let j = rr === 0 ? i + 1 : cellStart[base - S]; j < end; j++) {
        let dx = xn - sX[j];
        let dz = zn - sZ[j];
        const dNew = dx * dx + dz * dz;
        dx = xo - sOX[j];
        dz = zo - sOZ[j];
        const dOld = dx * dx + dz * dz;
        flips[m] = j;
        m += +(dNew <= r2) ^ +(dOld <= r2);
      }
    }
    if (m > 0) emitFlips(L, ev, i, flips, m);
  }
}

/**
 * Most entities changed: every entry once with the half stencil (the rest of its own row range, then the
 * full ranges of the next `stencil` rows), so each pair is visited exactly once. Entries are walked in
 * sorted order rather than cell by cell: at low density most cells are empty, and each entry knows its
 * cell. Unchanged pairs are visited too; their before and after agree, so they cannot flip.
 */
export function sweepAll(L: GridLayout, ev: AoiEventBuffer, scratch: SweepScratch): void {
  const { cellStart, sCell, sX, sZ, sOX, sOZ, sR2, sOR2, width, count } = L;
  const flips = scratch.ensure(L.count);
  if (L.uniformRadius >= 0) {
    sweepAllUniform(L, ev, flips, L.uniformRadius * L.uniformRadius);
    return;
  }
  const S = L.stencil;
  for (let i = 0; i < count; i++) {
    const k = sCell[i];
    const xn = sX[i];
    const zn = sZ[i];
    const xo = sOX[i];
    const zo = sOZ[i];
    const ri2 = sR2[i];
    const roi2 = sOR2[i];
    let m = 0;
    for (let rr = 0; rr <= S; rr++) {
      const base = k + rr * width;
      const end = cellStart[base + S + 1];
      for (let j = rr === 0 ? i + 1 : cellStart[base - S]; j < end; j++) {
        let dx = xn - sX[j];
        let dz = zn - sZ[j];
        const dNew = dx * dx + dz * dz;
        dx = xo - sOX[j];
        dz = zo - sOZ[j];
        const dOld = dx * dx + dz * dz;
        flips[m] = j;
        m += (+(dNew <= ri2) ^ +(dOld <= roi2)) | (+(dNew <= sR2[j]) ^ +(dOld <= sOR2[j]));
      }
    }
    if (m > 0) emitFlips(L, ev, i, flips, m);
  }
}

/**
 * sweepChanged when every entry has the same radius: one flip test covers both directions, and the
 * candidates' radii are never read. Hand-specialised like sweepAllUniform, for the same reason.
 */
function sweepChangedUniform(L: GridLayout, ev: AoiEventBuffer, flips: Int32Array, r2: number): void {
  const { cellStart, sFlag, sX, sZ, sOX, sOZ, sCell, width, changedIdx, changedCount } = L;
  const S = L.stencil;
  for (let n = 0; n < changedCount; n++) {
    const i = changedIdx[n];
    const k = sCell[i];
    const xn = sX[i];
    const zn = sZ[i];
    const xo = sOX[i];
    const zo = sOZ[i];
    let m = 0;
    for (let rr = -S; rr <= S; rr++) {
      const base = k + rr * width;
      const end = cellStart[base + S + 1];
      for (let j = cellStart[base - S]; j < end; j++) {
        let dx = xn - sX[j];
        let dz = zn - sZ[j];
        const dNew = dx * dx + dz * dz;
        dx = xo - sOX[j];
        dz = zo - sOZ[j];
        const dOld = dx * dx + dz * dz;
        flips[m] = j;
        m += +(dNew <= r2) ^ +(dOld <= r2);
      }
    }
    if (m > 0) emitOwnFlips(L, ev, i, flips, m);
  }
}

/**
 * Few entities changed: each changed entity scans its full stencil. A pair of two changed entities is
 * evaluated only from the one that sorts first.
 */
export function sweepChanged(L: GridLayout, ev: AoiEventBuffer, scratch: SweepScratch): void {
  const { cellStart, sFlag, sX, sZ, sOX, sOZ, sR2, sOR2, sCell, width, changedIdx, changedCount } = L;
  const flips = scratch.ensure(L.count);
  if (L.uniformRadius >= 0) {
    sweepChangedUniform(L, ev, flips, L.uniformRadius * L.uniformRadius);
    return;
  }
  const S = L.stencil;
  for (let n = 0; n < changedCount; n++) {
    const i = changedIdx[n];
    const k = sCell[i];
    const xn = sX[i];
    const zn = sZ[i];
    const xo = sOX[i];
    const zo = sOZ[i];
    const ri2 = sR2[i];
    const roi2 = sOR2[i];
    let m = 0;
    for (let rr = -S; rr <= S; rr++) {
      const base = k + rr * width;
      const end = cellStart[base + S + 1];
      for (let j = cellStart[base - S]; j < end; j++) {
        let dx = xn - sX[j];
        let dz = zn - sZ[j];
        const dNew = dx * dx + dz * dz;
        dx = xo - sOX[j];
        dz = zo - sOZ[j];
        const dOld = dx * dx + dz * dz;
        flips[m] = j;
        m += (+(dNew <= ri2) ^ +(dOld <= roi2)) | (+(dNew <= sR2[j]) ^ +(dOld <= sOR2[j]));
      }
    }
    if (m > 0) emitOwnFlips(L, ev, i, flips, m);
  }
}

/**
 * SPECIAL entries (big radius, or a long move this update) pair with everything on their own. A
 * changed special scans the cells covering its reach around its old and new position; an unchanged one
 * can only flip against changed entries. Special-special pairs are enumerated directly. `stamp` (one
 * slot per sorted entry) dedupes the two scans; marks only grow, so the caller keeps the returned one.
 */
export function sweepSpecials(L: GridLayout, t: AoiEntityTable, ev: AoiEventBuffer, stamp: Int32Array, lastMark: number): number {
  const { specialIdx, specialCount, sFlag, sH, changedIdx, changedCount } = L;
  // Non-special entries moved at most maxMove, so their bucket is that close to both their positions.
  const reachOther = L.sweepRadius + L.maxMove;
  let mark = lastMark;
  for (let n = 0; n < specialCount; n++) {
    const s = specialIdx[n];
    const hs = sH[s];
    if ((sFlag[s] & CHANGED) === 0) {
      for (let m = 0; m < changedCount; m++) evalTablePair(t, ev, hs, sH[changedIdx[m]]);
    } else {
      mark++;
      if (t.oPresent[hs] === 1) {
        scanAround(L, t, ev, stamp, mark, hs, t.ox[hs], t.oz[hs], Math.max(t.or[hs] + L.maxMove, reachOther));
      }
      if (t.nPresent[hs] === 1) {
        scanAround(L, t, ev, stamp, mark, hs, t.nx[hs], t.nz[hs], Math.max(t.nr[hs] + L.maxMove, reachOther));
      }
    }
    for (let m = n + 1; m < specialCount; m++) {
      const o = specialIdx[m];
      if (((sFlag[s] | sFlag[o]) & CHANGED) !== 0) evalTablePair(t, ev, hs, sH[o]);
    }
  }
  return mark;
}

function scanAround(
  L: GridLayout,
  t: AoiEntityTable,
  ev: AoiEventBuffer,
  stamp: Int32Array,
  mark: number,
  hs: number,
  x: number,
  z: number,
  reach: number,
): void {
  const pad = reach + (Math.abs(x) + Math.abs(z) + reach) * 1e-6;
  const c0 = L.col(x - pad);
  const c1 = L.col(x + pad);
  const r0 = L.row(z - pad);
  const r1 = L.row(z + pad);
  const { cellStart, sFlag, sH, width } = L;
  for (let row = r0; row <= r1; row++) {
    const end = cellStart[row * width + c1 + 1];
    for (let j = cellStart[row * width + c0]; j < end; j++) {
      if ((sFlag[j] & SPECIAL) !== 0 || stamp[j] === mark) continue;
      stamp[j] = mark;
      evalTablePair(t, ev, hs, sH[j]);
    }
  }
}
