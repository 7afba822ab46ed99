import type { AoiEventBuffer } from './event-buffer.ts';
import { CHANGED, SPECIAL, type GridLayout } from './grid-layout.ts';

/**
 * Enter/leave computation over a GridLayout. A pair's interest before the update is a pure function of
 * the old state and after it of the new state, so events are just "before XOR after" per direction,
 * evaluated for each pair that touches a changed entity exactly once. Nothing per pair is stored.
 */

/** Compares one pair in both directions and emits the flips. Absent sides are NaN and never match. */
function evalPair(L: GridLayout, ev: AoiEventBuffer, i: number, j: number): void {
  let dx = L.sX[i] - L.sX[j];
  let dz = L.sZ[i] - L.sZ[j];
  const dn = dx * dx + dz * dz;
  dx = L.sOX[i] - L.sOX[j];
  dz = L.sOZ[i] - L.sOZ[j];
  const dOld = dx * dx + dz * dz;
  let r = L.sR[i];
  const nij = dn <= r * r;
  r = L.sOR[i];
  const oij = dOld <= r * r;
  r = L.sR[j];
  const nji = dn <= r * r;
  r = L.sOR[j];
  const oji = dOld <= r * r;
  if (nij !== oij) {
    if (nij) ev.pushEnter(L.sH[i], L.sH[j]);
    else ev.pushLeave(L.sH[i], L.sH[j]);
  }
  if (nji !== oji) {
    if (nji) ev.pushEnter(L.sH[j], L.sH[i]);
    else ev.pushLeave(L.sH[j], L.sH[i]);
  }
}

/** Squared distance beyond which a non-special pair can be interested neither before nor after. */
function rejectDistance2(L: GridLayout): number {
  const reach = L.sweepRadius + 2 * L.maxMove;
  return reach * reach * (1 + 1e-5) + 1e-9;
}

/**
 * Most entities changed: walk every cell once with the half stencil (own cell after i, the right
 * neighbour, and the three cells of the next row), so each pair is visited exactly once.
 */
export function sweepAll(L: GridLayout, ev: AoiEventBuffer): void {
  const { cellStart, sFlag, sX, sZ, width, height } = L;
  const far = rejectDistance2(L);
  for (let row = 1; row < height - 1; row++) {
    for (let col = 1; col < width - 1; col++) {
      const k = row * width + col;
      const a = cellStart[k];
      const b = cellStart[k + 1];
      if (a === b) continue;
      const e1 = cellStart[k + 2];
      const s2 = cellStart[k + width - 1];
      const e2 = cellStart[k + width + 2];
      for (let i = a; i < b; i++) {
        const fi = sFlag[i];
        if ((fi & SPECIAL) !== 0) continue;
        const xi = sX[i];
        const zi = sZ[i];
        for (let j = i + 1; j < e1; j++) {
          if (((fi | sFlag[j]) & 3) !== CHANGED) continue;
          const dx = xi - sX[j];
          const dz = zi - sZ[j];
          if (dx * dx + dz * dz > far) continue;
          evalPair(L, ev, i, j);
        }
        for (let j = s2; j < e2; j++) {
          if (((fi | sFlag[j]) & 3) !== CHANGED) continue;
          const dx = xi - sX[j];
          const dz = zi - sZ[j];
          if (dx * dx + dz * dz > far) continue;
          evalPair(L, ev, i, j);
        }
      }
    }
  }
}

/**
 * Few entities changed: each changed entity scans its full 3x3 neighbourhood. A pair of two changed
 * entities is evaluated only from the one that sorts first.
 */
export function sweepChanged(L: GridLayout, ev: AoiEventBuffer): void {
  const { cellStart, sFlag, sX, sZ, sCell, width, changedIdx, changedCount } = L;
  const far = rejectDistance2(L);
  for (let n = 0; n < changedCount; n++) {
    const i = changedIdx[n];
    const k = sCell[i];
    const xi = sX[i];
    const zi = sZ[i];
    for (let rowStart = k - width; rowStart <= k + width; rowStart += width) {
      const end = cellStart[rowStart + 2];
      for (let j = cellStart[rowStart - 1]; j < end; j++) {
        const fj = sFlag[j];
        if ((fj & SPECIAL) !== 0 || j === i || ((fj & CHANGED) !== 0 && j < i)) continue;
        const dx = xi - sX[j];
        const dz = zi - sZ[j];
        if (dx * dx + dz * dz > far) continue;
        evalPair(L, ev, i, j);
      }
    }
  }
}

/**
 * Special entries (big radius or a long move) pair with everything on their own. A changed special
 * scans the cells covering its reach around its old and new position; an unchanged one can only flip
 * against changed entries. Special-special pairs are enumerated directly. `stamp` (one slot per sorted
 * entry) dedupes the two scans; marks only grow, so the caller passes the last one and keeps the result.
 */
export function sweepSpecials(L: GridLayout, ev: AoiEventBuffer, stamp: Int32Array, lastMark: number): number {
  const { specialIdx, specialCount, sFlag, changedIdx, changedCount } = L;
  let mark = lastMark;
  for (let n = 0; n < specialCount; n++) {
    const s = specialIdx[n];
    if ((sFlag[s] & CHANGED) === 0) {
      for (let m = 0; m < changedCount; m++) evalPair(L, ev, s, changedIdx[m]);
    } else {
      mark++;
      scanAround(L, ev, stamp, mark, s, L.sOX[s], L.sOZ[s], Math.max(L.sOR[s], L.sweepRadius) + L.maxMove);
      scanAround(L, ev, stamp, mark, s, L.sX[s], L.sZ[s], Math.max(L.sR[s], L.sweepRadius) + L.maxMove);
    }
    for (let m = n + 1; m < specialCount; m++) {
      const t = specialIdx[m];
      if (((sFlag[s] | sFlag[t]) & CHANGED) !== 0) evalPair(L, ev, s, t);
    }
  }
  return mark;
}

function scanAround(
  L: GridLayout,
  ev: AoiEventBuffer,
  stamp: Int32Array,
  mark: number,
  s: number,
  x: number,
  z: number,
  reach: number,
): void {
  // An absent side (added or removed this update) has a NaN position and nothing to find.
  if (x !== x) return;
  const pad = reach + (Math.abs(x) + Math.abs(z) + reach) * 1e-6;
  const c0 = L.col(x - pad);
  const c1 = L.col(x + pad);
  const r0 = L.row(z - pad);
  const r1 = L.row(z + pad);
  const { cellStart, sFlag, width } = L;
  for (let row = r0; row <= r1; row++) {
    const end = cellStart[row * width + c1 + 1];
    for (let j = cellStart[row * width + c0]; j < end; j++) {
      if ((sFlag[j] & SPECIAL) !== 0 || stamp[j] === mark) continue;
      stamp[j] = mark;
      evalPair(L, ev, s, j);
    }
  }
}
