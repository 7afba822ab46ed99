import type { AoiIndex } from '../../src/aoi/aoi-index.ts';
import { mulberry32 } from '../../src/testing/prng.ts';

export const WORLD = 10_000;
export const RADIUS = 100;
export const STEP = 5;

const DIRECTIONS = 4096;
const STREAM = 1 << 20;

/**
 * The shared AOI workload: n entities uniform in a WORLD² square, radius RADIUS; each tick the first
 * `moving * n` of them step STEP units in a fresh random direction (reflected at the edges). Directions
 * come from precomputed tables so the tick measures the index, not Math.cos.
 */
export class RandomWalk {
  /** Positions as the engine holds them: float32 columns indexed by handle (eid). */
  readonly x: Float32Array;
  readonly z: Float32Array;
  /** The movers' handles, handed to the index in one moveMany per tick, as a game's AOI phase does. */
  readonly handles: Int32Array;
  readonly movers: number;
  private readonly dirX = new Float64Array(DIRECTIONS);
  private readonly dirZ = new Float64Array(DIRECTIONS);
  private readonly stream = new Uint16Array(STREAM);
  private cursor = 0;

  constructor(readonly n: number, moving: number, seed: number) {
    const rand = mulberry32(seed);
    this.x = new Float32Array(n);
    this.z = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      this.x[i] = rand() * WORLD;
      this.z[i] = rand() * WORLD;
    }
    this.movers = Math.round(moving * n);
    this.handles = Int32Array.from({ length: this.movers }, (_, i) => i);
    for (let d = 0; d < DIRECTIONS; d++) {
      const a = rand() * Math.PI * 2;
      this.dirX[d] = Math.cos(a) * STEP;
      this.dirZ[d] = Math.sin(a) * STEP;
    }
    for (let s = 0; s < STREAM; s++) this.stream[s] = Math.floor(rand() * DIRECTIONS);
  }

  populate(aoi: AoiIndex): void {
    for (let i = 0; i < this.n; i++) aoi.add(i, this.x[i], this.z[i], RADIUS);
  }

  /** The walk's own step (a movement system writing Position): every mover steps 5 units. */
  step(): void {
    const { x, z, dirX, dirZ, stream } = this;
    let c = this.cursor;
    for (let i = 0; i < this.movers; i++) {
      const d = stream[c];
      c = (c + 1) & (STREAM - 1);
      let nx = x[i] + dirX[d];
      let nz = z[i] + dirZ[d];
      if (nx < 0 || nx > WORLD) nx = x[i] - dirX[d];
      if (nz < 0 || nz > WORLD) nz = z[i] - dirZ[d];
      x[i] = nx;
      z[i] = nz;
    }
    this.cursor = c;
  }

  /** The index's part of a tick, as a game's AOI phase runs it: the moves in bulk, then update(). */
  apply(aoi: AoiIndex): number {
    aoi.moveMany(this.handles, this.movers, this.x, this.z);
    const ev = aoi.update();
    return ev.enterCount + ev.leaveCount;
  }

  /** One whole tick: step, then apply. */
  tick(aoi: AoiIndex): number {
    this.step();
    return this.apply(aoi);
  }
}
