import type { AoiEvents } from './aoi-index.ts';

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
    while (this.enterWatcher.length < enter) {
      this.enterWatcher = grow(this.enterWatcher);
      this.enterTarget = grow(this.enterTarget);
    }
    while (this.leaveWatcher.length < leave) {
      this.leaveWatcher = grow(this.leaveWatcher);
      this.leaveTarget = grow(this.leaveTarget);
    }
  }

  pushEnter(watcher: number, target: number): void {
    const i = this.enterCount;
    if (i === this.enterWatcher.length) {
      this.enterWatcher = grow(this.enterWatcher);
      this.enterTarget = grow(this.enterTarget);
    }
    this.enterWatcher[i] = watcher;
    this.enterTarget[i] = target;
    this.enterCount = i + 1;
  }

  pushLeave(watcher: number, target: number): void {
    const i = this.leaveCount;
    if (i === this.leaveWatcher.length) {
      this.leaveWatcher = grow(this.leaveWatcher);
      this.leaveTarget = grow(this.leaveTarget);
    }
    this.leaveWatcher[i] = watcher;
    this.leaveTarget[i] = target;
    this.leaveCount = i + 1;
  }
}

function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
