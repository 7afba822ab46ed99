import { describe, expect, it } from 'vitest';
import { createInterpolator, interpolate } from '../../../src/client/index.ts';
import type { ClientEntity, ClientEvents } from '../../../src/client/index.ts';

const at = (id: string, x: number, z: number, yaw = 0): ClientEntity => ({ id, typeName: 'Monster', isPlayer: false, attrs: {}, x, y: 0, z, yaw });

describe('snapshot interpolation', () => {
  it('renders delayMs in the past, between the snapshots around that moment', () => {
    const i = createInterpolator({ delayMs: 100 });
    i.push([at('m', 0, 0)], 1000);
    i.push([at('m', 10, 20)], 1100);
    i.push([at('m', 30, 20)], 1200);
    expect(i.sample('m', 1150)).toEqual({ x: 5, y: 0, z: 10, yaw: 0 });
    expect(i.sample('m', 1250)).toEqual({ x: 20, y: 0, z: 20, yaw: 0 });
    // Exactly on a snapshot, and before the first one: no invention.
    expect(i.sample('m', 1200)).toEqual({ x: 10, y: 0, z: 20, yaw: 0 });
    expect(i.sample('m', 900)).toMatchObject({ x: 0, z: 0 });
  });

  it('holds the last position past the last snapshot rather than extrapolating', () => {
    const i = createInterpolator({ delayMs: 50 });
    i.push([at('m', 0, 0)], 0);
    i.push([at('m', 10, 0)], 100);
    expect(i.sample('m', 1000)).toMatchObject({ x: 10 });
  });

  it('turns yaw the short way round', () => {
    const i = createInterpolator({ delayMs: 0 });
    i.push([at('m', 0, 0, Math.PI - 0.1)], 0);
    i.push([at('m', 0, 0, -Math.PI + 0.1)], 100);
    expect(Math.abs(i.sample('m', 50)!.yaw)).toBeCloseTo(Math.PI, 6);
  });

  it('keeps at most maxSnapshots per entity, the later of two pushes at one moment, and forgets', () => {
    const i = createInterpolator({ delayMs: 0, maxSnapshots: 3 });
    for (let k = 0; k < 10; k++) i.push([at('m', k, 0)], k * 10);
    // Only t = 70, 80, 90 remain: an older render time clamps to the oldest kept.
    expect(i.sample('m', 0)).toMatchObject({ x: 7 });
    i.push([at('m', 100, 0)], 90);
    expect(i.sample('m', 90)).toMatchObject({ x: 100 });
    expect(i.sample('nobody', 0)).toBeUndefined();
    i.forget('m');
    expect(i.sample('m', 90)).toBeUndefined();
  });

  it('follows a client: create and positions push, destroy and lost forget', () => {
    const handlers: { [K in keyof ClientEvents]?: ClientEvents[K][] } = {};
    const client = {
      on<K extends keyof ClientEvents>(event: K, h: ClientEvents[K]) {
        (handlers[event] ??= [] as never[]).push(h as never);
        return () => undefined;
      },
    };
    let t = 0;
    const i = interpolate(client as never, { delayMs: 10, now: () => t });
    const m = at('m', 0, 0);
    handlers.create!.forEach((h) => h(m));
    t = 100;
    handlers.positions!.forEach((h) => h([{ ...m, x: 50 }]));
    t = 60;
    expect(i.sample('m')).toMatchObject({ x: 25 });
    handlers.destroy!.forEach((h) => h(m));
    expect(i.sample('m')).toBeUndefined();
    handlers.create!.forEach((h) => h(at('n', 1, 1)));
    handlers.lost!.forEach((h) => h('game lost'));
    expect(i.sample('n')).toBeUndefined();
  });
});
