import { mulberry32, randInt } from '../../../src/testing/prng.ts';
import type { Lockstep } from './harness.ts';

export interface Scenario {
  name: string;
  seed: number;
  ticks: number;
  initial: number;
  /** World bounds; teleports may land up to one radius outside them. */
  min: number;
  max: number;
  defaultRadius: number;
  /** Integer coordinates put many pairs exactly on the radius (3-4-5 triangles and axis-aligned). */
  integer: boolean;
  step: number;
  pMove: number;
  pTeleport: number;
  /** Per tick: expected number of adds / removes / radius changes. */
  churn: number;
  /** Radii chosen on add and setRadius, besides the default. */
  radii: number[];
  /** When set, teleports land near (±outlier, ±outlier) instead of inside the world. */
  outlier?: number;
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'random walk, all moving',
    seed: 1, ticks: 40, initial: 150, min: -500, max: 500, defaultRadius: 60, integer: false,
    step: 8, pMove: 1, pTeleport: 0, churn: 0, radii: [],
  },
  {
    name: 'integer lattice, exact-radius boundaries',
    seed: 2, ticks: 60, initial: 120, min: -25, max: 25, defaultRadius: 5, integer: true,
    step: 2, pMove: 0.5, pTeleport: 0.02, churn: 2, radii: [0, 5, 10, 13],
  },
  {
    name: 'churn: join, leave, reuse, teleports',
    seed: 3, ticks: 60, initial: 80, min: -300, max: 300, defaultRadius: 50, integer: false,
    step: 10, pMove: 0.3, pTeleport: 0.05, churn: 6, radii: [0, 25, 50, 75],
  },
  {
    name: 'per-entity radii with one huge watcher',
    seed: 4, ticks: 40, initial: 100, min: 0, max: 1000, defaultRadius: 40, integer: true,
    step: 6, pMove: 0.6, pTeleport: 0.01, churn: 2, radii: [0, 20, 40, 100, 5000],
  },
  {
    name: 'crowd in one cell',
    seed: 5, ticks: 30, initial: 200, min: 0, max: 20, defaultRadius: 100, integer: false,
    step: 3, pMove: 0.8, pTeleport: 0.02, churn: 3, radii: [0, 5, 100],
  },
  {
    name: 'sparse movers over a static crowd',
    seed: 6, ticks: 40, initial: 300, min: -1000, max: 1000, defaultRadius: 100, integer: false,
    step: 5, pMove: 0.1, pTeleport: 0.005, churn: 1, radii: [],
  },
  {
    // Few changes per update: exercises the builds that keep the previous cells.
    name: 'sparse churn with big radii, teleports and boundary pairs',
    seed: 8, ticks: 60, initial: 250, min: -60, max: 60, defaultRadius: 10, integer: true,
    step: 3, pMove: 0.04, pTeleport: 0.2, churn: 2, radii: [0, 5, 10, 15, 200],
  },
  {
    // A huge bounding box forces the grid to cap its cell count (bigger cells), and crowds the
    // negative quadrant near the origin.
    name: 'far outliers and negative coordinates',
    seed: 9, ticks: 40, initial: 150, min: -150, max: 50, defaultRadius: 30, integer: true,
    step: 20, pMove: 0.5, pTeleport: 0.1, churn: 2, radii: [0, 30, 60], outlier: 2_000_000,
  },
  {
    name: 'fast movers crossing cells',
    seed: 7, ticks: 40, initial: 120, min: -400, max: 400, defaultRadius: 40, integer: true,
    step: 90, pMove: 0.7, pTeleport: 0.1, churn: 2, radii: [0, 40, 60],
  },
];

/** Runs one scenario through the lockstep harness; every update is checked against the oracle there. */
export function runScenario(s: Scenario, ls: Lockstep): void {
  const rand = mulberry32(s.seed);
  const coord = (lo: number, hi: number): number => (s.integer ? randInt(rand, lo, hi) : lo + rand() * (hi - lo));
  const radius = (): number =>
    s.radii.length === 0 || rand() < 0.5 ? s.defaultRadius : s.radii[randInt(rand, 0, s.radii.length - 1)];
  const free: number[] = [];
  let next = 0;
  const handle = (): number => (free.length > 0 ? free.pop()! : next++);
  const pos = new Map<number, [number, number]>();
  const add = (h: number): void => {
    const x = coord(s.min, s.max);
    const z = coord(s.min, s.max);
    ls.add(h, x, z, radius());
    pos.set(h, [x, z]);
  };
  const remove = (h: number): void => {
    ls.remove(h);
    pos.delete(h);
  };

  for (let i = 0; i < s.initial; i++) add(handle());
  ls.update();
  for (let tick = 0; tick < s.ticks; tick++) {
    for (const h of ls.present()) {
      if (rand() >= s.pMove) continue;
      const [x, z] = pos.get(h)!;
      let nx: number;
      let nz: number;
      if (rand() < s.pTeleport && s.outlier !== undefined) {
        nx = (rand() < 0.5 ? -s.outlier : s.outlier) + coord(-s.step, s.step);
        nz = (rand() < 0.5 ? -s.outlier : s.outlier) + coord(-s.step, s.step);
      } else if (rand() < s.pTeleport) {
        nx = coord(s.min - s.defaultRadius, s.max + s.defaultRadius);
        nz = coord(s.min - s.defaultRadius, s.max + s.defaultRadius);
      } else {
        nx = x + coord(-s.step, s.step);
        nz = z + coord(-s.step, s.step);
      }
      ls.move(h, nx, nz);
      pos.set(h, [nx, nz]);
    }
    const churn = s.churn === 0 ? 0 : randInt(rand, 0, 2 * s.churn);
    for (let c = 0; c < churn; c++) {
      const present = ls.present();
      const pick = (): number => present[randInt(rand, 0, present.length - 1)];
      const op = randInt(rand, 0, 5);
      if (op === 0 || present.length < 4) add(handle());
      else if (op === 1) {
        const h = pick();
        remove(h);
        free.push(h);
      } else if (op === 2) {
        // Joined and left between two updates: must produce no events at all.
        const h = handle();
        add(h);
        remove(h);
        free.push(h);
      } else if (op === 3) {
        // Removed and re-added under the same handle before the update: a handle reuse.
        const h = pick();
        remove(h);
        add(h);
      } else {
        ls.setRadius(pick(), radius());
      }
    }
    const present = ls.present();
    const sample = present.length <= 40 ? present : present.slice(0, 40);
    ls.update(sample);
    for (let q = 0; q < 3; q++) {
      ls.checkQueries(coord(s.min, s.max), coord(s.min, s.max), s.defaultRadius * (q + 0.5), coord(0, 200), coord(0, 200));
    }
  }
  ls.checkAllNeighbours();
  // Everything leaves: removing every entity must produce every remaining pair as a leave.
  for (const h of ls.present()) remove(h);
  ls.update();
}
