import { describe, expect, it } from 'vitest';
import type { AoiIndex } from '../../src/aoi/aoi-index.ts';
import { aoiImplementations } from '../../src/aoi/implementations.ts';
import { TsworldError } from '../../src/core/errors.ts';
import { mulberry32 } from '../../src/testing/prng.ts';
import { enterPairs, leavePairs, Lockstep } from './aoi/harness.ts';
import { runScenario, SCENARIOS } from './aoi/scenarios.ts';

/** Every AoiIndex implementation runs this one suite (go-aoi's single testAOI is the model). */
const IMPLEMENTATIONS = aoiImplementations();

function expectCode(fn: () => void, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(TsworldError);
  expect((caught as TsworldError).code).toBe(code);
}

describe.each(IMPLEMENTATIONS)('AoiIndex contract: %s', (_name, factory) => {
  const make = (defaultRadius = 10): AoiIndex => factory({ defaultRadius });

  for (const s of SCENARIOS) {
    it(`matches the oracle: ${s.name}`, () => {
      const ls = new Lockstep(make(s.defaultRadius), s.defaultRadius);
      runScenario(s, ls);
      // Guard against a scenario that silently stopped exercising anything.
      expect(ls.enters).toBeGreaterThan(0);
      expect(ls.leaves).toBeGreaterThan(0);
    });
  }

  /**
   * A uniform-radius crowd (radius 10) where entity 4 makes a long move (SPECIAL for that update) with a
   * new radius. The next update it is unchanged and back in the sweep, which keeps the previous cells: its
   * radius must count now. `ring` adds slow walkers 4 less to 4 more than that radius from where it lands.
   */
  function rejoinScenario(ls: Lockstep, radius: number, ring: boolean, everyoneMoves = false): void {
    const rand = mulberry32(77);
    const crowd: [number, number][] = [];
    for (let h = 0; h < 200; h++) {
      crowd.push([rand() * 200, rand() * 200]);
      ls.add(h, crowd[h][0], crowd[h][1], 10);
    }
    const walkers = new Map<number, [number, number]>();
    for (let h = 300; ring && h < 340; h++) {
      const a = rand() * Math.PI * 2;
      const d = radius - 4 + rand() * 8;
      walkers.set(h, [150 + Math.cos(a) * d, 150 + Math.sin(a) * d]);
      ls.add(h, walkers.get(h)![0], walkers.get(h)![1], 10);
    }
    ls.update();
    for (let tick = 0; tick < 30; tick++) {
      for (let h = 0; h < 200; h += 9) ls.move(h, rand() * 200, rand() * 200);
      // Everyone else steps a little too: then every update is a full rebuild, not a kept-cells one.
      for (let h = 1; everyoneMoves && h < 200; h++) {
        if (h % 9 === 0 || h === 4) continue;
        crowd[h] = [crowd[h][0] + (rand() - 0.5) * 3, crowd[h][1] + (rand() - 0.5) * 3];
        ls.move(h, crowd[h][0], crowd[h][1]);
      }
      for (const [h, [x, z]] of walkers) {
        const p: [number, number] = [x + (rand() - 0.5) * 3, z + (rand() - 0.5) * 3];
        walkers.set(h, p);
        ls.move(h, p[0], p[1]);
      }
      if (tick === 5) ls.setRadius(3, 25);
      if (tick === 9) ls.setRadius(3, 10);
      if (tick === 14) {
        ls.move(4, 150, 150);
        ls.setRadius(4, radius);
      }
      if (tick === 18) ls.setRadius(4, 10);
      ls.update(tick % 5 === 0 ? [3, 4, 7] : []);
    }
    expect(ls.enters).toBeGreaterThan(0);
    expect(ls.leaves).toBeGreaterThan(0);
  }

  it('matches the oracle when an entry rejoins the sweep with a larger radius than the kept cells cover', () => {
    rejoinScenario(new Lockstep(make(10), 10), 14, false);
  });

  it('matches the oracle when an entry rejoins a uniform-radius sweep with a smaller radius', () => {
    rejoinScenario(new Lockstep(make(10), 10), 7, true);
  });

  it('matches the oracle when an entry rejoins the sweep of full rebuilds with its own radius', () => {
    rejoinScenario(new Lockstep(make(10), 10), 14, true, true);
    rejoinScenario(new Lockstep(make(10), 10), 7, true, true);
  });

  it('sees an entity exactly at the radius, in both directions', () => {
    const aoi = make(5);
    aoi.add(1, 0, 0, 5);
    aoi.add(2, 3, 4, 5);
    aoi.add(3, 3, 4.0001, 5);
    const e = aoi.update();
    expect(enterPairs(e)).toEqual(['1>2', '2>1', '2>3', '3>2']);
    aoi.move(2, 3, 4.5);
    expect(leavePairs(aoi.update())).toEqual(['1>2', '2>1']);
  });

  it('radius 0 watches nothing but is still seen; setRadius takes effect on update', () => {
    const aoi = make(10);
    aoi.add(1, 0, 0, 0);
    aoi.add(2, 1, 1, 10);
    expect(enterPairs(aoi.update())).toEqual(['2>1']);
    aoi.setRadius(1, 2);
    expect(enterPairs(aoi.update())).toEqual(['1>2']);
    aoi.setRadius(2, 0);
    expect(leavePairs(aoi.update())).toEqual(['2>1']);
  });

  it('add then remove between updates yields no events; removal yields leaves both ways', () => {
    const aoi = make(10);
    aoi.add(1, 0, 0, 10);
    aoi.update();
    aoi.add(2, 1, 0, 10);
    aoi.remove(2);
    const e = aoi.update();
    expect(e.enterCount + e.leaveCount).toBe(0);
    expect(aoi.has(2)).toBe(false);
    aoi.add(2, 1, 0, 10);
    expect(enterPairs(aoi.update())).toEqual(['1>2', '2>1']);
    aoi.remove(1);
    expect(aoi.has(1)).toBe(false);
    expect(leavePairs(aoi.update())).toEqual(['1>2', '2>1']);
    const seen: number[] = [];
    aoi.forEachInterestedBy(2, (w) => seen.push(w));
    expect(seen).toEqual([]);
  });

  it('queries see positions as of the last update, edges inclusive', () => {
    const aoi = make(10);
    aoi.add(1, 10, 10, 10);
    aoi.add(2, -5, 0, 10);
    expect(aoi.queryRadius(0, 0, 100)).toEqual([]);
    aoi.update();
    aoi.move(1, 1000, 1000);
    expect(aoi.queryRadius(0, 0, 5).sort()).toEqual([2]);
    expect(aoi.queryRect(-5, 0, 10, 10).sort()).toEqual([1, 2]);
    expect(aoi.queryRect(-4.99, 0, 10, 10)).toEqual([1]);
    aoi.update();
    expect(aoi.queryRect(-5, 0, 10, 10)).toEqual([2]);
  });

  it('clear drops everything without events', () => {
    const aoi = make(10);
    aoi.add(1, 0, 0, 10);
    aoi.add(2, 1, 0, 10);
    aoi.update();
    aoi.clear();
    expect(aoi.size).toBe(0);
    const e = aoi.update();
    expect(e.enterCount + e.leaveCount).toBe(0);
    aoi.add(1, 0, 0, 10);
    aoi.add(2, 1, 0, 10);
    expect(enterPairs(aoi.update())).toEqual(['1>2', '2>1']);
  });

  it('rejects bad calls with a TsworldError code', () => {
    const aoi = make(10);
    aoi.add(1, 0, 0, 10);
    expectCode(() => aoi.add(1, 5, 5, 10), 'INVALID_ARGUMENT');
    expectCode(() => aoi.add(-1, 0, 0, 10), 'INVALID_ARGUMENT');
    expectCode(() => aoi.add(1.5, 0, 0, 10), 'INVALID_ARGUMENT');
    expectCode(() => aoi.add(2, Number.NaN, 0, 10), 'INVALID_ARGUMENT');
    expectCode(() => aoi.add(2, 0, 0, -1), 'INVALID_ARGUMENT');
    expectCode(() => aoi.move(1, Infinity, 0), 'INVALID_ARGUMENT');
    expectCode(() => aoi.move(7, 0, 0), 'UNKNOWN_ENTITY');
    expectCode(() => aoi.setRadius(7, 1), 'UNKNOWN_ENTITY');
    expectCode(() => aoi.remove(7), 'UNKNOWN_ENTITY');
    aoi.remove(1);
    expectCode(() => aoi.remove(1), 'UNKNOWN_ENTITY');
    expectCode(() => aoi.move(1, 0, 0), 'UNKNOWN_ENTITY');
    expect(aoi.size).toBe(0);
  });
});
