import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import { createGameWorld } from '../../../src/core/world.ts';
import { createWorldResources } from '../../../src/core/world-resources.ts';

describe('world resources', () => {
  it('makes a resource once per key, closes newest first and collects failures', async () => {
    const closed: string[] = [];
    const resources = createWorldResources();
    let made = 0;
    const make = (name: string, fail = false) => () => {
      made++;
      return {
        name,
        close() {
          closed.push(name);
          if (fail) throw new Error(`${name} failed`);
        },
      };
    };
    const a = resources.get('a', make('a'));
    expect(resources.get('a', make('other'))).toBe(a);
    resources.get('b', make('b', true));
    expect(made).toBe(2);
    const failures = await resources.closeAll();
    expect(closed).toEqual(['b', 'a']);
    expect(failures.map((f) => (f as Error).message)).toEqual(['b failed']);
    expect(() => resources.get('a', make('a'))).toThrow(/closed/);
    expect(await resources.closeAll()).toEqual([]);
  });

  it("is what world.resource uses, so the world's owner closes what game code made", async () => {
    const resources = createWorldResources();
    const world = createGameWorld({ entityTypes: [], aoiFactory: createBruteForceAoi, resources });
    let open = false;
    const pool = world.resource('test/pool', () => ((open = true), { close: () => void (open = false) }));
    // Game code reloaded in place asks again under the same key and gets the same object.
    expect(world.resource('test/pool', () => ({ close() {} }))).toBe(pool);
    await resources.closeAll();
    expect(open).toBe(false);
  });
});
