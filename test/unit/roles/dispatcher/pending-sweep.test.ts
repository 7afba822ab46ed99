import { afterEach, describe, expect, it } from 'vitest';
import { createEntityDirectory } from '../../../../src/roles/dispatcher/directory.ts';
import { type DropKind, type PendingSweep, startPendingSweep } from '../../../../src/roles/dispatcher/pending-sweep.ts';
import { createFakeClock, createFakeScheduler } from '../../../../src/testing/fake-clock.ts';
import { createCaptureLog } from '../../../support/capture-log.ts';

const id = (n: number): string => `Unknown${String(n).padStart(9, '0')}`;
const sweeps: PendingSweep[] = [];
afterEach(() => {
  for (const s of sweeps.splice(0)) s.stop();
});

function setup() {
  const clock = createFakeClock(10_000);
  const log = createCaptureLog();
  const directory = createEntityDirectory({ maxPerSender: 10_000, maxTotal: 10_000, maxHeldFrames: 100_000, maxHeldBytes: 1 << 24 });
  const dropped: Array<[DropKind, string]> = [];
  const sweep = startPendingSweep({
    directory,
    log,
    now: clock.now,
    // Passes are run by hand with the fake clock; the scheduled ones never come due.
    scheduler: createFakeScheduler(clock),
    pendingTimeoutMs: 60_000,
    unplacedTimeoutMs: 5_000,
    logIntervalMs: 5_000,
    onDropped: (kind, d) => dropped.push([kind, d.entityId]),
  });
  sweeps.push(sweep);
  const warns = () => log.lines.filter((l) => l.level === 'warn' || l.level === 'error');
  return { clock, log, directory, dropped, sweep, warns };
}

describe('pending sweep', () => {
  it('drops unplaced entries after their short timeout with one summary line, not one per entry', () => {
    const { clock, directory, dropped, sweep, warns } = setup();
    for (let i = 0; i < 1_000; i++) directory.holdUnplaced(id(i), 1, 10, new Uint8Array(20), clock.now(), 100);
    clock.advance(4_999);
    sweep.run();
    expect(dropped).toHaveLength(0);
    clock.advance(2);
    sweep.run();
    expect(dropped).toHaveLength(1_000);
    expect(dropped.every(([kind]) => kind === 'unplaced')).toBe(true);
    expect(warns()).toHaveLength(1);
    expect(warns()[0]!.fields).toMatchObject({ entities: 1_000, frames: 1_000, sample: [id(0), id(1), id(2)] });
    expect(directory.size).toBe(0);
  });

  it('tallies later drops until the log interval has passed, then reports them in one line', () => {
    const { clock, directory, sweep, warns } = setup();
    let next = 0;
    const open = (n: number) => {
      for (let i = 0; i < n; i++) directory.holdUnplaced(id(next++), 1, 10, new Uint8Array(1), clock.now(), 100);
    };
    // Waves of 1, 10, 20 and 30 ids, a second apart; each expires 5 s after it was opened.
    for (const n of [1, 10, 20, 30]) {
      open(n);
      clock.advance(1_000);
    }
    clock.advance(1_001);
    sweep.run();
    expect(warns()).toHaveLength(1);
    expect(warns()[0]!.fields).toMatchObject({ entities: 1 });
    // The other waves expire within the next interval: counted, not logged yet.
    for (let t = 0; t < 3; t++) {
      clock.advance(1_000);
      sweep.run();
      expect(warns()).toHaveLength(1);
    }
    expect(directory.size).toBe(0);
    clock.advance(2_000);
    sweep.run();
    expect(warns()).toHaveLength(2);
    expect(warns()[1]!.fields).toMatchObject({ entities: 60, frames: 60 });
  });

  it('drops placed entries that never became ready only after the long pending timeout', () => {
    const { clock, directory, dropped, sweep, warns } = setup();
    directory.expect(id(1), 2, clock.now());
    directory.ready(id(2), 2);
    for (let t = 0; t < 59; t++) {
      clock.advance(1_000);
      sweep.run();
    }
    expect(dropped).toHaveLength(0);
    for (let t = 0; t < 20; t++) {
      clock.advance(1_000);
      sweep.run();
    }
    expect(dropped).toEqual([['pending', id(1)]]);
    expect(warns().map((l) => l.level)).toEqual(['error']);
    expect(directory.get(id(2))).toBeDefined();
  });
});
