import type { Logger } from '../../observability/index.ts';
import { every, type Scheduler } from '../../tick/clock.ts';
import type { DroppedEntry, EntityDirectory } from './directory.ts';

/**
 * unplaced: an id no game announced within unplacedTimeoutMs (usually a made-up id from game code, or
 * a client through it). pending: an entity a game was asked to create or load that never confirmed.
 */
export type DropKind = 'unplaced' | 'pending';

export interface PendingSweepOptions {
  readonly directory: EntityDirectory;
  readonly log: Logger;
  readonly now: () => number;
  readonly scheduler: Scheduler;
  readonly pendingTimeoutMs: number;
  readonly unplacedTimeoutMs: number;
  /** At most one summary line per kind per interval, however many entries expire. */
  readonly logIntervalMs: number;
  /** Per dropped entry, for what must happen to its frames (client errors, metrics). */
  onDropped(kind: DropKind, dropped: DroppedEntry): void;
}

export interface PendingSweep {
  /** One pass: unplaced entries every time, the full pending scan when it is due. */
  run(): void;
  stop(): void;
}

interface Tally {
  entities: number;
  frames: number;
  sample: string[];
  loggedAt: number;
}

const SAMPLE_IDS = 3;

/**
 * Drops entries that waited too long. Unplaced entries expire in creation order, so their pass costs
 * only what expired and runs often (their timeout is short); the full scan for pending entries runs at
 * a quarter of its (long) timeout, as before.
 */
export function startPendingSweep(opts: PendingSweepOptions): PendingSweep {
  const { directory, now } = opts;
  const tallies: Record<DropKind, Tally> = {
    unplaced: { entities: 0, frames: 0, sample: [], loggedAt: -Infinity },
    pending: { entities: 0, frames: 0, sample: [], loggedAt: -Infinity },
  };
  const fullScanEveryMs = Math.max(1000, opts.pendingTimeoutMs / 4);
  let nextFullScan = now() + fullScanEveryMs;

  function count(kind: DropKind, dropped: readonly DroppedEntry[]): void {
    const tally = tallies[kind];
    for (const d of dropped) {
      tally.entities++;
      tally.frames += d.entry.held?.length ?? 0;
      if (tally.sample.length < SAMPLE_IDS) tally.sample.push(d.entityId);
      opts.onDropped(kind, d);
    }
  }

  function report(kind: DropKind, t: number): void {
    const tally = tallies[kind];
    if (tally.entities === 0 || t - tally.loggedAt < opts.logIntervalMs) return;
    const fields = { entities: tally.entities, frames: tally.frames, sample: tally.sample };
    if (kind === 'unplaced') {
      opts.log.warn({ ...fields, timeoutMs: opts.unplacedTimeoutMs }, 'frames for entity ids no game announced were dropped');
    } else {
      opts.log.error({ ...fields, timeoutMs: opts.pendingTimeoutMs }, 'entities never became ready; dropped with their frames');
    }
    tallies[kind] = { entities: 0, frames: 0, sample: [], loggedAt: t };
  }

  function run(): void {
    const t = now();
    count('unplaced', directory.sweepUnplaced(t - opts.unplacedTimeoutMs));
    if (t >= nextFullScan) {
      nextFullScan = t + fullScanEveryMs;
      count('pending', directory.sweepPending(t - opts.pendingTimeoutMs));
    }
    report('unplaced', t);
    report('pending', t);
  }

  const stop = every(opts.scheduler, Math.min(1000, Math.max(100, opts.unplacedTimeoutMs / 4)), run);
  return { run, stop };
}
