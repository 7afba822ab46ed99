import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { t } from '../../../src/core/value-types.ts';
import type { GameWorld } from '../../../src/core/world-api.ts';
import { migrateIn, migrateOut } from '../../../src/core/world-migrate.ts';
import { swapGameCode } from '../../../src/core/world-swap.ts';
import { createGameWorld } from '../../../src/core/world.ts';
import { freezeToFile, restoreFromFile } from '../../../src/hotswap/index.ts';

// Monday 2026-01-05, 08:59:30 UTC.
const MONDAY = Date.UTC(2026, 0, 5, 8, 59, 30);

/** A world whose wall clock is `base` plus world time: a fake clock that moves only with the ticks. */
function setup(base = MONDAY) {
  const fired: string[] = [];
  const Clock = defineEntityType({
    name: 'Clock',
    rpc: { ring: { expose: 'server', args: [t.string], fn: (e, label) => void fired.push(`${new Date(base + e.world.now).toISOString()} ${label}`) } },
  });
  const options = { entityTypes: [Clock], aoiFactory: createBruteForceAoi, wallClock: () => base + world.now, onError: (e: unknown) => { throw e; } };
  const world: GameWorld = createGameWorld(options);
  const id = world.createEntity('Clock');
  world.applyDeferred();
  const run = (w: GameWorld, seconds: number, tickSec: number) => {
    for (let i = 0; i < seconds / tickSec; i++) w.step(tickSec);
  };
  return { world, fired, e: world.entity(id)!, id, run, options: { ...options, wallClock: () => base + world.now } };
}

describe('cron entries on a fake clock', () => {
  it('a minute expression runs at every minute, once each', () => {
    const { world, fired, e, run } = setup();
    e.cron('* * * * *', 'ring', ['m']);
    run(world, 5 * 60, 1);
    expect(fired).toEqual(['09:00', '09:01', '09:02', '09:03', '09:04'].map((hm) => `2026-01-05T${hm}:00.000Z m`));
  });

  it('an hour expression runs once an hour, at the first tick past the hour', () => {
    const { world, fired, e, run } = setup();
    e.cron('0 * * * *', 'ring', ['h']);
    run(world, 3 * 3600 + 60, 60);
    expect(fired).toEqual(['09', '10', '11', '12'].map((h) => `2026-01-05T${h}:00:30.000Z h`));
  });

  it('a day-of-week expression runs on that weekday only', () => {
    const { world, fired, e, run } = setup();
    e.cron('0 9 * * MON', 'ring', ['mon']);
    e.cron('30 12 * * 3', 'ring', ['wed']);
    run(world, 15 * 86_400, 600);
    expect(fired).toEqual([
      '2026-01-05T09:09:30.000Z mon',
      '2026-01-07T12:39:30.000Z wed',
      '2026-01-12T09:09:30.000Z mon',
      '2026-01-14T12:39:30.000Z wed',
      '2026-01-19T09:09:30.000Z mon',
    ]);
  });

  it('refuses a bad expression, one that never fires, an unknown method or bad arguments at registration', () => {
    const { e } = setup();
    for (const [expr, method, args] of [
      ['not a cron', 'ring', ['x']],
      ['61 * * * *', 'ring', ['x']],
      ['0 0 30 2 *', 'ring', ['x']],
      ['', 'ring', ['x']],
      ['* * * * *', 'noSuchMethod', []],
      ['* * * * *', 'ring', [42]],
    ] as const) {
      expect(() => e.cron(expr, method, args), `${expr} ${method}`).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as never);
    }
    expect(() => e.cron('not a cron', 'ring', ['x'])).toThrow(/bad cron expression "not a cron"/);
    expect(e.timers.count).toBe(0);
  });

  it('stops when cancelled, and with its entity', () => {
    const { world, fired, e, run } = setup();
    const handle = e.cron('* * * * *', 'ring', ['c']);
    run(world, 80, 1);
    expect(fired).toHaveLength(1);
    expect(handle.cancel()).toBe(true);
    expect(handle.cancel()).toBe(false);
    run(world, 180, 1);
    expect(fired).toHaveLength(1);
    e.cron('* * * * *', 'ring', ['d']);
    e.destroy();
    run(world, 180, 1);
    expect(fired).toHaveLength(1);
  });
});

describe('cron entries across swaps and migration', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('survive a process swap (freeze to a snapshot file, restore in a new world)', () => {
    const { world, fired, e, run, options } = setup();
    e.cron('*/2 * * * *', 'ring', ['swap']);
    run(world, 140, 1);
    expect(fired).toEqual(['2026-01-05T09:00:00.000Z swap']);
    dir = mkdtempSync(join(tmpdir(), 'tsworld-cron-'));
    freezeToFile(world, join(dir, 'snap.bin'));
    // The new process reads the same wall clock; until its world exists, the old world's time is that clock.
    let restored: GameWorld | undefined;
    restored = restoreFromFile(join(dir, 'snap.bin'), { ...options, wallClock: () => MONDAY + (restored ?? world).now }).world;
    // The old world is gone with its process; only the restored one runs on.
    run(restored, 5 * 60, 1);
    expect(fired).toEqual(['09:00', '09:02', '09:04', '09:06'].map((hm) => `2026-01-05T${hm}:00.000Z swap`));
    expect(restored.entities()[0]!.timers.count).toBe(1);
    expect(restored.now).toBeGreaterThan(world.now);
  });

  it('survive an in-place code swap and a migration to another world', () => {
    const { world, fired, e, id, run, options } = setup();
    e.cron('* * * * *', 'ring', ['here']);
    const report = swapGameCode(world, { entityTypes: options.entityTypes, systems: {} });
    expect(report).not.toBeInstanceOf(Error);
    run(world, 31, 1);
    expect(fired).toEqual(['2026-01-05T09:00:00.000Z here']);
    const other = createGameWorld({ ...options, wallClock: () => MONDAY + 31_000 + other.now });
    let moved: Parameters<Parameters<typeof migrateOut>[3]>[0] | undefined;
    migrateOut(world, id, other.nilSpace.id, (data) => (moved = data));
    world.step(0.01);
    expect(moved?.timers.map((timer) => timer.cron)).toEqual(['* * * * *']);
    migrateIn(other, moved!);
    other.applyDeferred();
    run(other, 120, 1);
    expect(fired).toHaveLength(3);
  });
});

describe('world timers', () => {
  it('run a callback once or repeatedly on world time, cancel, and are not part of a snapshot', () => {
    const { world, run, options } = setup();
    const seen: number[] = [];
    world.timers.add(250, () => seen.push(world.now));
    const every = world.timers.add(1000, () => seen.push(-world.now), { repeat: true });
    run(world, 3, 0.05);
    expect(seen).toEqual([250, -1000, -2000, -3000]);
    expect(every.cancel()).toBe(true);
    run(world, 2, 0.05);
    expect(seen).toHaveLength(4);
    expect(() => world.timers.add(-1, () => undefined)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as never);
    expect(() => world.timers.add(10, () => undefined, { repeat: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as never);

    world.timers.add(1000, () => seen.push(0), { repeat: true });
    const dirPath = mkdtempSync(join(tmpdir(), 'tsworld-wtimers-'));
    try {
      freezeToFile(world, join(dirPath, 'snap.bin'));
      const restored = restoreFromFile(join(dirPath, 'snap.bin'), options).world;
      expect(restored.timers.count).toBe(0);
    } finally {
      rmSync(dirPath, { recursive: true, force: true });
    }
  });
});
