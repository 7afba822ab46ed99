import type { AoiEvents } from './aoi-index.ts';
import { grownCopy } from './grow-array.ts';

/** Growable flat enter/leave arrays, reused across updates so the steady state allocates nothing. */
export class AoiEventBuffer implements AoiEvents {
  enterCount = 0;
  enterWatcher = new Int32Array(256);
  enterTarget = new Int32Array(256);
  leaveCount = 0;
  leaveWatcher = new Int32Array(256);
  leaveTarget = new Int32Array(256);

  reset(): void {
    this.enterCount = 0;
    this.leaveCount = 0;
  }

  /** Grows the arrays to hold at least this many pairs, keeping the counted ones. */
  reserve(enter: number, leave: number): void {
    while (this.enterWatcher.length < enter) this.growEnter();
    while (this.leaveWatcher.length < leave) this.growLeave();
  }

  // pushEnter/pushLeave stay two monomorphic methods: every emitted event of the sweeps goes through one.
  pushEnter(watcher: number, target: number): void {
    const i = this.enterCount;
    if (i === this.enterWatcher.length) this.growEnter();
    this.enterWatcher[i] = watcher;
    this.enterTarget[i] = target;
    this.enterCount = i + 1;
  }

  pushLeave(watcher: number, target: number): void {
    const i = this.leaveCount;
    if (i === this.leaveWatcher.length) this.growLeave();
    this.leaveWatcher[i] = watcher;
    this.leaveTarget[i] = target;
    this.leaveCount = i + 1;
  }

  private growEnter(): void {
    this.enterWatcher = grownCopy(this.enterWatcher, 2 * this.enterWatcher.length);
    this.enterTarget = grownCopy(this.enterTarget, 2 * this.enterTarget.length);
  }

  private growLeave(): void {
    this.leaveWatcher = grownCopy(this.leaveWatcher, 2 * this.leaveWatcher.length);
    this.leaveTarget = grownCopy(this.leaveTarget, 2 * this.leaveTarget.length);
  }
}
