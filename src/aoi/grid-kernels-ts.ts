import type { AoiEntityTable } from './entity-table.ts';
import { type BackBuffers, type BuildKernels } from './grid-kernels.ts';
import { CHANGED, SPECIAL, type GridLayout } from './grid-layout.ts';

/**
 * The reference BuildKernels in TypeScript. native/aoi-grid.cc is a line-for-line port; keep them in
 * step. Sorted entries: sweep positions are NaN on an absent side and on both sides for SPECIAL entries.
 */
export const tsKernels: BuildKernels = { classify, scatter, scatterCoherent, scatterIncremental };

function classify(t: AoiEntityTable, L: GridLayout): void {
  const { oPresent, nPresent, ox, oz, nx, nz, or, nr, changedFlag, limit } = t;
  const big = L.bigRadius;
  const fast2 = L.fastMove * L.fastMove;
  const { hCell, bigHandles } = L;
  let bigCount = 0;
  let count = 0;
  let minX = Infinity;
  let minZ = Infinity;
  let maxX = -Infinity;
  let maxZ = -Infinity;
  let sweepR = 0;
  let minR = Infinity;
  let move2 = 0;
  let smallR = 0;
  for (let h = 0; h < limit; h++) {
    const op = oPresent[h];
    const np = nPresent[h];
    if ((op | np) === 0) {
      hCell[h] = -1;
      continue;
    }
    count++;
    const x = np === 1 ? nx[h] : ox[h];
    const z = np === 1 ? nz[h] : oz[h];
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (z < minZ) minZ = z;
    if (z > maxZ) maxZ = z;
    const ro = op === 1 ? or[h] : 0;
    const rn = np === 1 ? nr[h] : 0;
    if (np === 1) {
      if (rn > big) bigHandles[bigCount++] = h;
      else if (rn > smallR) smallR = rn;
    }
    let special = ro > big || rn > big;
    if (changedFlag[h] === 1 && (op & np) === 1) {
      const dx = nx[h] - ox[h];
      const dz = nz[h] - oz[h];
      const d2 = dx * dx + dz * dz;
      if (d2 > fast2) special = true;
      else if (!special && d2 > move2) move2 = d2;
    }
    hCell[h] = special ? 1 : 0;
    if (!special) {
      if (ro > sweepR) sweepR = ro;
      if (rn > sweepR) sweepR = rn;
      if (op === 1 && ro < minR) minR = ro;
      if (np === 1 && rn < minR) minR = rn;
    }
  }
  L.count = count;
  L.sweepRadius = sweepR;
  L.uniformRadius = minR === sweepR ? sweepR : -1;
  L.maxMove = Math.sqrt(move2);
  L.smallRadius = smallR;
  L.bigCount = bigCount;
  const st = L.stats;
  st[0] = count;
  st[1] = minX;
  st[2] = minZ;
  st[3] = maxX;
  st[4] = maxZ;
}

/** Sorted entry i from the table's before/after state of handle h. */
function writeFromTable(t: AoiEntityTable, L: GridLayout, i: number, h: number, special: number): void {
  const op = t.oPresent[h];
  const np = t.nPresent[h];
  L.sH[i] = h;
  L.sFlag[i] = t.changedFlag[h] | (special << 1);
  const x = np === 1 ? t.nx[h] : Number.NaN;
  const z = np === 1 ? t.nz[h] : Number.NaN;
  L.qX[i] = x;
  L.qZ[i] = z;
  const sweepNew = special === 0 && np === 1;
  const sweepOld = special === 0 && op === 1;
  L.sX[i] = sweepNew ? x : Number.NaN;
  L.sZ[i] = sweepNew ? z : Number.NaN;
  L.sOX[i] = sweepOld ? t.ox[h] : Number.NaN;
  L.sOZ[i] = sweepOld ? t.oz[h] : Number.NaN;
  let r = t.nr[h];
  L.sR2[i] = r * r;
  r = t.or[h];
  L.sOR2[i] = r * r;
}

/** Sorted entry i for an unchanged handle h, copied from previous entry k (before = after). */
function writeFromPrev(L: GridLayout, back: BackBuffers, i: number, h: number, special: number, k: number): void {
  const x = back.pQX[k];
  const z = back.pQZ[k];
  L.sH[i] = h;
  L.sFlag[i] = special << 1;
  L.qX[i] = x;
  L.qZ[i] = z;
  L.sX[i] = L.sOX[i] = special === 0 ? x : Number.NaN;
  L.sZ[i] = L.sOZ[i] = special === 0 ? z : Number.NaN;
  L.sR2[i] = L.sOR2[i] = back.pR2[k];
}

/** cellStart back from fill cursors to starts, and the changed/special index lists in sorted order. */
function finish(L: GridLayout): void {
  const { cellStart, sFlag, changedIdx, specialIdx } = L;
  for (let c = L.width * L.height; c > 0; c--) cellStart[c] = cellStart[c - 1];
  cellStart[0] = 0;
  let changedCount = 0;
  let specialCount = 0;
  for (let i = 0; i < L.count; i++) {
    const f = sFlag[i];
    if ((f & SPECIAL) !== 0) specialIdx[specialCount++] = i;
    else if ((f & CHANGED) !== 0) changedIdx[changedCount++] = i;
  }
  L.changedCount = changedCount;
  L.specialCount = specialCount;
}

function prefix(L: GridLayout): void {
  const { cellStart } = L;
  const cells = L.width * L.height;
  for (let c = 0; c < cells; c++) cellStart[c + 1] += cellStart[c];
}

function cellOf(L: GridLayout, x: number, z: number): number {
  return (Math.floor(z * L.inv) - L.cz0) * L.width + (Math.floor(x * L.inv) - L.cx0);
}

function scatter(t: AoiEntityTable, L: GridLayout): void {
  const { nPresent, ox, oz, nx, nz, limit } = t;
  const { hCell, cellStart, sCell } = L;
  cellStart.fill(0, 0, L.width * L.height + 1);
  for (let h = 0; h < limit; h++) {
    const flag = hCell[h];
    if (flag < 0) continue;
    const np = nPresent[h];
    const c = cellOf(L, np === 1 ? nx[h] : ox[h], np === 1 ? nz[h] : oz[h]);
    // Pack the cell with the special bit; hCell is rewritten by the next classify.
    hCell[h] = c * 2 + flag;
    cellStart[c + 1]++;
  }
  prefix(L);
  // cellStart[c] doubles as the fill cursor of cell c until finish() shifts it back.
  for (let h = 0; h < limit; h++) {
    const packed = hCell[h];
    if (packed < 0) continue;
    const c = packed >> 1;
    const i = cellStart[c]++;
    sCell[i] = c;
    writeFromTable(t, L, i, h, packed & 1);
    hCell[h] = -1;
  }
  finish(L);
}

/**
 * Placed marks of the coherent scatter live in hCell's bit 1 (classify wrote 0/1, or -1 when absent, for
 * every handle): the line is read anyway, so no separate per-handle array is read, written and cleared.
 */
const PLACED = 2;

/**
 * Visit order: the previous layout's entries still present, then handles new to the layout. Each visit
 * counts the entity's cell and packs its presence, special and changed bits beside it, and keeps a
 * changed entity's position in visit order, so the writes (writeCoherent) read by handle only what a
 * changed entity's old side needs.
 */
function scatterCoherent(t: AoiEntityTable, L: GridLayout, back: BackBuffers, prevCount: number): boolean {
  const count = L.count;
  const { limit, changed, changedCount } = t;
  const { hCell, cellStart } = L;
  const { pH } = back;
  cellStart.fill(0, 0, L.width * L.height + 1);
  // A plain function with `m` passed through: a closure's mutated counter would live in a heap context.
  let m = 0;
  for (let k = 0; k < prevCount; k++) {
    const h = pH[k];
    if (h >= limit || hCell[h] < 0 || m === count) continue;
    m = placeCoherent(t, L, back, h, k, m);
  }
  // Handles new to the layout; none once every entity is placed (all moved: nothing was added).
  for (let k = 0; k < changedCount && m < count; k++) {
    const h = changed[k];
    if (hCell[h] < 0 || (hCell[h] & PLACED) !== 0) continue;
    m = placeCoherent(t, L, back, h, -1, m);
  }
  if (m !== count) {
    // Not the previous layout of this table: the caller rebuilds from classify's hCell, unmarked again.
    for (let k = 0; k < changedCount; k++) {
      const h = changed[k];
      if (h < limit && hCell[h] >= 0) hCell[h] &= ~PLACED;
    }
    return false;
  }
  prefix(L);
  writeCoherent(t, L, back, m);
  finish(L);
  return true;
}

/** Visit slot m of scatterCoherent for handle h (previous entry `prev`, or -1); returns m + 1. */
function placeCoherent(t: AoiEntityTable, L: GridLayout, back: BackBuffers, h: number, prev: number, m: number): number {
  const { work, workF } = back;
  const { hCell } = L;
  const count = L.count;
  const flags = hCell[h];
  const ch = t.changedFlag[h];
  // Only a changed handle can be met twice (previous layout, changed list): only it is marked.
  if (ch !== 0) hCell[h] = flags | PLACED;
  let x: number;
  let z: number;
  let presence = 0;
  if (ch === 0) {
    x = back.pQX[prev];
    z = back.pQZ[prev];
  } else {
    const np = t.nPresent[h] === 1;
    presence = (np ? 8 : 0) | (t.oPresent[h] === 1 ? 4 : 0);
    x = np ? t.nx[h] : t.ox[h];
    z = np ? t.nz[h] : t.oz[h];
    workF[3 * count + m] = x;
    workF[4 * count + m] = z;
  }
  const c = cellOf(L, x, z);
  work[m] = h;
  work[count + m] = prev;
  work[2 * count + m] = c * 16 + presence + ((flags & 1) << 1) + ch;
  L.cellStart[c + 1]++;
  return m + 1;
}

/** The coherent scatter's entries, written in visit order from what placeCoherent packed. */
function writeCoherent(t: AoiEntityTable, L: GridLayout, back: BackBuffers, m: number): void {
  const count = L.count;
  const { cellStart, sCell, sH, sFlag, qX, qZ, sX, sZ, sOX, sOZ, sR2, sOR2 } = L;
  const { ox, oz, or, nr } = t;
  const { work, workF } = back;
  // Every sweepable radius squared when they are all one (classify's uniform radius): then no radius is
  // read by handle.
  const uniformR2 = L.uniformRadius >= 0 ? L.uniformRadius * L.uniformRadius : -1;
  const NaN = Number.NaN;
  for (let e = 0; e < m; e++) {
    const h = work[e];
    const packed = work[2 * count + e];
    const c = packed >> 4;
    const i = cellStart[c]++;
    const special = (packed >> 1) & 1;
    sCell[i] = c;
    if ((packed & 1) === 0) {
      writeFromPrev(L, back, i, h, special, work[count + e]);
      continue;
    }
    sH[i] = h;
    const op = (packed & 4) !== 0;
    const np = (packed & 8) !== 0;
    sFlag[i] = 1 | (special << 1);
    const x = np ? workF[3 * count + e] : NaN;
    const z = np ? workF[4 * count + e] : NaN;
    qX[i] = x;
    qZ[i] = z;
    const sweepNew = special === 0 && np;
    const sweepOld = special === 0 && op;
    sX[i] = sweepNew ? x : NaN;
    sZ[i] = sweepNew ? z : NaN;
    sOX[i] = sweepOld ? ox[h] : NaN;
    sOZ[i] = sweepOld ? oz[h] : NaN;
    // Not for a SPECIAL entry: uniform counts sweepable radii only, and a special one may rejoin the sweep
    // unchanged next update with its previous squared radius copied from here.
    if (uniformR2 >= 0 && special === 0) {
      sR2[i] = sOR2[i] = uniformR2;
      continue;
    }
    const rn = nr[h];
    sR2[i] = rn * rn;
    const ro = or[h];
    sOR2[i] = ro * ro;
  }
}

/** Sparse update keeping the previous cells (see BuildKernels.scatterIncremental). */
function scatterIncremental(t: AoiEntityTable, L: GridLayout, back: BackBuffers, prevCount: number, count: number): boolean {
  const { changedFlag, oPresent, nPresent, nr, changed, changedCount } = t;
  const { cellStart, bigRadius: big } = L;
  const { pH, pQX, pFlag, pCell, work, seen } = back;
  cellStart.fill(0, 0, L.width * L.height + 1);
  // placeChanged is a plain function with `m` passed through, as in scatterCoherent: a closure's mutated
  // counter would live in a heap context, and the unchanged bulk below counts with it too.
  let m = 0;
  for (let k = 0; k < prevCount && m < count; k++) {
    const h = pH[k];
    if (changedFlag[h] === 1) {
      if ((oPresent[h] | nPresent[h]) !== 0) m = placeChanged(t, L, back, h, k, m, count);
      continue;
    }
    // Unchanged: absent if removed at the previous update (NaN position there).
    if (pQX[k] !== pQX[k]) continue;
    // Special then and unchanged since means a big radius, still special; if it changed then (a long
    // move or a radius change), judge its radius now.
    const pf = pFlag[k];
    const special = (pf & CHANGED) !== 0 ? +(nr[h] > big) : (pf >> 1) & 1;
    const c = pCell[k];
    work[m] = h;
    work[count + m] = k;
    work[2 * count + m++] = c * 4 + (special << 1);
    cellStart[c + 1]++;
  }
  for (let k = 0; k < changedCount && m < count; k++) {
    const h = changed[k];
    if (seen[h] === 1 || (oPresent[h] | nPresent[h]) === 0) continue;
    m = placeChanged(t, L, back, h, -1, m, count);
  }
  return placeAll(t, L, back, m);
}

/** Visit slot m of scatterIncremental for changed handle h (previous entry `prev`, or -1); returns m + 1. */
function placeChanged(t: AoiEntityTable, L: GridLayout, back: BackBuffers, h: number, prev: number, m: number, count: number): number {
  const { work } = back;
  back.seen[h] = 1;
  const c = t.nPresent[h] === 1 ? cellOf(L, t.nx[h], t.nz[h]) : cellOf(L, t.ox[h], t.oz[h]);
  work[m] = h;
  work[count + m] = prev;
  work[2 * count + m] = c * 4 + ((L.hCell[h] & 1) << 1) + 1;
  L.cellStart[c + 1]++;
  return m + 1;
}

/** Tail of the incremental scatter: clear `seen`, check the count, write entries in visit order. */
function placeAll(t: AoiEntityTable, L: GridLayout, back: BackBuffers, m: number): boolean {
  const count = L.count;
  const { work, seen } = back;
  // Only changed handles were marked (see the scatters): unmark them, O(changed) not O(count).
  for (let k = 0; k < t.changedCount; k++) seen[t.changed[k]] = 0;
  if (m !== count) return false;
  prefix(L);
  const { cellStart, sCell } = L;
  for (let e = 0; e < m; e++) {
    const h = work[e];
    const packed = work[2 * count + e];
    const c = packed >> 2;
    const i = cellStart[c]++;
    sCell[i] = c;
    if ((packed & 1) === 0) writeFromPrev(L, back, i, h, (packed >> 1) & 1, work[count + e]);
    else writeFromTable(t, L, i, h, (packed >> 1) & 1);
  }
  finish(L);
  return true;
}
