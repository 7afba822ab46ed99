import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { t } from '../../../src/core/value-types.ts';
import { createGameWorld } from '../../../src/core/world.ts';

function setup() {
  const fired: string[] = [];
  const Bomb = defineEntityType({
    name: 'Bomb',
    rpc: {
      tick: { expose: 'server', args: [t.string], fn: (e, label) => void fired.push(`${e.world.now}:${label}`) },
    },
  });
  const world = createGameWorld({ entityTypes: [Bomb], aoiFactory: createBruteForceAoi, onError: (e) => { throw e; } });
  const id = world.createEntity('Bomb');
  world.applyDeferred();
  return { world, fired, e: world.entity(id)! };
}

describe('entity timers', () => {
  it('fire once at their due world time, by method name', () => {
    const { world, fired, e } = setup();
    e.timers.add(120, 'tick', ['once']);
    for (let i = 0; i < 5; i++) world.step(0.05);
    expect(fired).toEqual(['150:once']);
    expect(e.timers.count).toBe(0);
  });

  it('repeat without drift and stop when cancelled', () => {
    const { world, fired, e } = setup();
    const id = e.timers.add(100, 'tick', ['r'], { repeat: true });
    for (let i = 0; i < 6; i++) world.step(0.05);
    expect(fired).toEqual(['100:r', '200:r', '300:r']);
    expect(e.timers.cancel(id)).toBe(true);
    expect(e.timers.cancel(id)).toBe(false);
    for (let i = 0; i < 6; i++) world.step(0.05);
    expect(fired.length).toBe(3);
  });

  it('catch up when one tick spans several intervals', () => {
    const { world, fired, e } = setup();
    e.timers.add(10, 'tick', ['fast'], { repeat: 10 });
    world.step(0.035);
    expect(fired).toEqual(['35:fast', '35:fast', '35:fast']);
  });

  it('are cancelled when the entity is destroyed', () => {
    const { world, fired, e } = setup();
    e.timers.add(50, 'tick', ['x'], { repeat: true });
    e.destroy();
    // Destroy is deferred to the commit phase, after this tick's timers: they still fire this once.
    world.step(0.05);
    expect(fired).toEqual(['50:x']);
    world.step(0.1);
    world.step(0.1);
    expect(fired).toEqual(['50:x']);
    expect(e.timers.count).toBe(0);
  });

  it('reject unknown methods and arguments that do not fit', () => {
    const { e } = setup();
    expect(() => e.timers.add(10, 'nope')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => e.timers.add(10, 'tick', [1])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => e.timers.add(10, 'tick', ['x'], { repeat: 0.5 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(e.timers.count).toBe(0);
  });
});
