import { describe, expect, it } from 'vitest';
import { createGridAoi } from '../../../src/aoi/grid-aoi.ts';
import { attr, type AttrDecls } from '../../../src/core/attr-decl.ts';
import { defineEntityType, type AnyEntityType } from '../../../src/core/entity-type.ts';
import { TsworldError } from '../../../src/core/errors.ts';
import { defineSpaceType } from '../../../src/core/space.ts';
import { t } from '../../../src/core/value-types.ts';
import type { GameWorld, System } from '../../../src/core/world-api.ts';
import { swapGameCode, type GameCode, type SwapReport } from '../../../src/core/world-swap.ts';
import { createGameWorld } from '../../../src/core/world.ts';
import { Position } from '../../../src/ecs/builtin-components.ts';
import type { FieldType } from '../../../src/ecs/field-types.ts';
import { defineComponent } from '../../../src/ecs/schema.ts';

interface Version {
  tag: string;
  /** Multiplies Walk.speed in the move system. */
  pace?: number;
  walkType?: FieldType;
  walkDefault?: number;
  extraAttr?: boolean;
  withoutPing?: boolean;
  withoutNpc?: boolean;
  /** ping takes an int instead of a string. */
  pingTakesInt?: boolean;
  greetExpose?: 'server' | 'allClients';
  /** Adds a `wave` RPC. */
  wave?: boolean;
  townRadius?: number;
  systems?: string[];
}

/**
 * Builds the declarations afresh on every call, as re-evaluating a game module does: new type, space
 * type and component objects with the same names. Behaviour is tagged so a test sees which code ran.
 */
function gameCode(v: Version, log: string[]): GameCode & { entityTypes: AnyEntityType[] } {
  const Walk = defineComponent('Walk', { speed: { type: v.walkType ?? 'f32', default: v.walkDefault ?? 0 } });
  const attrs: AttrDecls = {
    hp: attr(t.int, { default: 10 }),
    name: attr(t.string, { flags: ['allClients'] }),
    ...(v.extraAttr ? { mana: attr(t.int) } : {}),
  };
  const rpc: Record<string, { expose: 'server' | 'allClients'; args: readonly (typeof t.string | typeof t.int)[]; fn: (e: never, ...a: never[]) => void }> = {
    greet: { expose: v.greetExpose ?? 'allClients', args: [t.string], fn: (_e: unknown, who: string) => void log.push(`${v.tag}:hello ${who}`) },
  };
  if (!v.withoutPing) {
    rpc.ping = { expose: 'server', args: [v.pingTakesInt ? t.int : t.string], fn: (_e: unknown, what: unknown) => void log.push(`${v.tag}:ping ${String(what)}`) };
  }
  if (v.wave) rpc.wave = { expose: 'server', args: [], fn: () => void log.push(`${v.tag}:wave`) };
  const Npc = defineEntityType({
    name: 'Npc',
    components: [Walk],
    attrs,
    rpc: rpc as never,
    hooks: { onDestroy: () => void log.push(`${v.tag}:destroyed`) },
    aoi: { radius: 50 },
  });
  const Rock = defineEntityType({ name: 'Rock', rpc: { poke: { expose: 'server', args: [], fn: () => void log.push(`${v.tag}:poke`) } } });
  const move: System = (world, dt) => {
    const pos = world.store(Position);
    const walk = world.store(Walk);
    for (const eid of world.query([Walk])) pos.x[eid] += walk.speed[eid] * (v.pace ?? 1) * dt;
  };
  const count: System = () => void log.push(`${v.tag}:count`);
  const all: Record<string, System> = { move, count, audit: () => void log.push(`${v.tag}:audit`) };
  const names = v.systems ?? ['move'];
  return {
    entityTypes: v.withoutNpc ? [Rock] : [Npc, Rock],
    spaceTypes: [
      defineSpaceType({
        name: 'Town',
        aoi: { radius: v.townRadius ?? 50 },
        hooks: { onEntityEnterSpace: (_s, e) => void log.push(`${v.tag}:entered ${e.attrs.get('name') as string}`) },
      }),
    ],
    systems: Object.fromEntries(names.map((n) => [n, all[n]])),
  };
}

/** A world running `code` with `n` Npcs in a Town; `log` is cleared once it is set up. */
function liveWorld(code: GameCode, log: string[], n = 2): { world: GameWorld; ids: string[]; town: string } {
  const world = createGameWorld({
    entityTypes: code.entityTypes,
    spaceTypes: code.spaceTypes,
    aoiFactory: createGridAoi,
    onError: (e) => {
      throw e;
    },
  });
  for (const [name, system] of Object.entries(code.systems ?? {})) world.addSystem(name, system);
  const town = world.createSpace('Town');
  world.applyDeferred();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = world.createEntity('Npc', { space: town, position: { x: i * 10, y: 0, z: 0 }, attrs: { name: `npc${i}` } });
    ids.push(id);
  }
  world.applyDeferred();
  const walk = world.store(world.entity(ids[0])!.type.components.find((c) => c.name === 'Walk')!);
  for (const id of ids) walk.speed[world.entity(id)!.eid] = 2;
  world.step(0.05);
  log.length = 0;
  return { world, ids, town };
}

function mustSwap(world: GameWorld, code: GameCode): SwapReport {
  const report = swapGameCode(world, code);
  if (report instanceof TsworldError) throw report;
  return report;
}

/** Everything the swap must not touch, in comparable form. */
function stateOf(world: GameWorld, ids: string[]) {
  return ids.map((id) => {
    const e = world.entity(id)!;
    return { attrs: world.clientSnapshot(id, 'owner'), pos: e.position(), timers: e.timers.count, sees: world.interestedIn(id).sort(), space: e.space.id };
  });
}

describe('swapGameCode', () => {
  it('runs new RPCs, systems, hooks and already-armed timers, and leaves state alone', () => {
    const log: string[] = [];
    const v1 = gameCode({ tag: 'v1' }, log);
    const { world, ids } = liveWorld(v1, log);
    const [a, b] = ids;
    world.entity(a)!.timers.add(100, 'ping', ['timer']);
    world.entity(a)!.attrs.set('hp', 7);
    world.call(a, 'greet', ['x']);
    const x0 = world.entity(a)!.position().x;
    const before = stateOf(world, ids);
    expect(before[0].sees).toEqual([b]);
    const tick = world.tick;

    const report = mustSwap(world, gameCode({ tag: 'v2', pace: 10 }, log));
    expect(stateOf(world, ids)).toEqual(before);
    expect(world.tick).toBe(tick);
    expect(report).toMatchObject({ entityTypes: ['Npc', 'Rock'], removedEntityTypes: [], spaceTypes: ['Town'], components: ['Walk'], entities: 2 });
    expect(report.systems).toEqual({ added: [], removed: [], replaced: ['move'] });

    world.call(a, 'greet', ['y']);
    world.step(0.05);
    // The timer was armed for world time 150 before the swap; it fires then, running the new code.
    expect(world.now).toBe(100);
    expect(log).toEqual(['v1:hello x', 'v2:hello y']);
    world.step(0.05);
    expect(log.at(-1)).toBe('v2:ping timer');
    // Two ticks of 0.05 s at speed 2 × pace 10.
    expect(world.entity(a)!.position().x).toBeCloseTo(x0 + 2 * 10 * 0.1, 5);
    world.destroyEntity(b);
    world.applyDeferred();
    expect(log.at(-1)).toBe('v2:destroyed');
  });

  it('gives entities created after the swap, even ones requested before it, the new type and components', () => {
    const log: string[] = [];
    const { world } = liveWorld(gameCode({ tag: 'v1' }, log), log);
    const pending = world.createEntity('Npc', { attrs: { name: 'late' } });
    const v2 = gameCode({ tag: 'v2', walkDefault: 3 }, log);
    mustSwap(world, v2);
    world.applyDeferred();
    const e = world.entity(pending)!;
    expect(e.type).toBe(v2.entityTypes[0]);
    const walk = v2.entityTypes[0].components.find((c) => c.name === 'Walk')!;
    expect(world.hasComponent(pending, walk)).toBe(true);
    // A changed default is not a schema change: new entities get it, existing arrays are kept.
    expect(world.store(walk).speed[e.eid]).toBe(3);
    world.call(pending, 'greet', ['late']);
    expect(log).toEqual(['v2:hello late']);
  });

  it('accepts new RPC methods and changed exposure, and runs new space hooks', () => {
    const log: string[] = [];
    const { world, ids, town } = liveWorld(gameCode({ tag: 'v1' }, log), log);
    world.setClient(ids[0], 'c1');
    expect(world.call(ids[0], 'greet', ['me'], { kind: 'client', clientId: 'c1' }).ok).toBe(true);
    expect(world.call(ids[0], 'wave', []).ok).toBe(false);
    mustSwap(world, gameCode({ tag: 'v2', wave: true, greetExpose: 'server' }, log));
    expect(world.call(ids[0], 'wave', []).ok).toBe(true);
    expect(world.call(ids[0], 'greet', ['me'], { kind: 'client', clientId: 'c1' })).toMatchObject({ ok: false, code: 'PERMISSION_DENIED' });
    world.createEntity('Npc', { space: town, attrs: { name: 'new' } });
    world.applyDeferred();
    expect(log).toEqual(['v1:hello me', 'v2:wave', 'v2:entered new']);
  });

  it('replaces systems by name: removed ones stop, new ones run, in the order given', () => {
    const log: string[] = [];
    const { world } = liveWorld(gameCode({ tag: 'v1', systems: ['move', 'count'] }, log), log);
    log.length = 0;
    const report = mustSwap(world, gameCode({ tag: 'v2', systems: ['audit', 'move'] }, log));
    expect(report.systems).toEqual({ added: ['audit'], removed: ['count'], replaced: ['move'] });
    world.step(0.05);
    expect(log).toEqual(['v2:audit']);
  });

  it('keeps the systems when the new code gives none', () => {
    const log: string[] = [];
    const { world } = liveWorld(gameCode({ tag: 'v1', systems: ['count'] }, log), log);
    const { systems: _dropped, ...code } = gameCode({ tag: 'v2' }, log);
    const report = mustSwap(world, code);
    expect(report.systems).toEqual({ added: [], removed: [], replaced: [] });
    log.length = 0;
    world.step(0.05);
    expect(log).toEqual(['v1:count']);
  });

  describe('refuses a schema change and leaves the world exactly as it was', () => {
    const cases: [string, Version, RegExp][] = [
      ['an attribute added', { tag: 'v2', extraAttr: true }, /entity type Npc: attribute mana added/],
      ['a component field type changed', { tag: 'v2', walkType: 'i32' }, /component Walk fields changed: \{speed:f32\} -> \{speed:i32\}/],
      ['a type removed while entities of it live', { tag: 'v2', withoutNpc: true }, /entity type Npc is gone while 2 of its entities live/],
      ['a pending timer method removed', { tag: 'v2', withoutPing: true }, /timer method Npc\.ping is gone \(1 pending timer\)/],
      ['a pending timer method that no longer takes its arguments', { tag: 'v2', pingTakesInt: true }, /timer method Npc\.ping no longer takes its arguments/],
      ['a live space type whose AOI changed', { tag: 'v2', townRadius: 80 }, /space type Town: aoi radius 50 -> radius 80/],
    ];
    for (const [what, version, message] of cases) {
      it(what, () => {
        const log: string[] = [];
        const v1 = gameCode({ tag: 'v1', systems: ['move', 'count'] }, log);
        const { world, ids } = liveWorld(v1, log);
        world.entity(ids[0])!.timers.add(100, 'ping', ['t']);
        const before = stateOf(world, ids);
        const x0 = world.entity(ids[0])!.position().x;

        const result = swapGameCode(world, gameCode({ ...version, systems: ['audit'] }, log));
        expect(result).toBeInstanceOf(TsworldError);
        expect((result as TsworldError).code).toBe('SCHEMA_MISMATCH');
        expect((result as TsworldError).message).toMatch(message);

        expect(stateOf(world, ids)).toEqual(before);
        expect(world.entity(ids[0])!.type).toBe(v1.entityTypes[0]);
        log.length = 0;
        world.call(ids[0], 'greet', ['still']);
        world.step(0.05);
        world.step(0.05);
        expect(log).toEqual(['v1:hello still', 'v1:count', 'v1:ping t', 'v1:count']);
        expect(world.entity(ids[0])!.position().x).toBeCloseTo(x0 + 2 * 0.1, 5);
      });
    }

    it('names every difference at once', () => {
      const log: string[] = [];
      const { world, ids } = liveWorld(gameCode({ tag: 'v1' }, log), log);
      world.entity(ids[0])!.timers.add(100, 'ping', ['t']);
      const result = swapGameCode(world, gameCode({ tag: 'v2', extraAttr: true, walkType: 'u8', withoutPing: true }, log));
      expect((result as TsworldError).message).toMatch(/component Walk.*attribute mana added.*timer method Npc\.ping/);
    });
  });

  it('swaps one world without touching another that runs the same code', () => {
    const log: string[] = [];
    const v1 = gameCode({ tag: 'v1' }, log);
    const one = liveWorld(v1, log);
    const two = liveWorld(v1, log);
    mustSwap(one.world, gameCode({ tag: 'v2' }, log));
    one.world.call(one.ids[0], 'greet', ['one']);
    two.world.call(two.ids[0], 'greet', ['two']);
    expect(log).toEqual(['v2:hello one', 'v1:hello two']);
    expect(two.world.entity(two.ids[0])!.type).toBe(v1.entityTypes[0]);
    // The old Walk declaration still addresses world two's arrays; world one accepts both.
    const oldWalk = v1.entityTypes[0].components.find((c) => c.name === 'Walk')!;
    expect(() => two.world.store(oldWalk)).not.toThrow();
    expect(one.world.store(oldWalk)).toBe(one.world.store(one.world.entity(one.ids[0])!.type.components.find((c) => c.name === 'Walk')!));
  });

  it('swaps 10k live entities (timing logged, not asserted)', () => {
    const log: string[] = [];
    const { world, ids } = liveWorld(gameCode({ tag: 'v1' }, log), log, 10_000);
    for (let i = 0; i < ids.length; i += 2) world.entity(ids[i])!.timers.add(1000, 'ping', [String(i)], { repeat: true });
    const times: number[] = [];
    for (let round = 2; round <= 8; round++) times.push(mustSwap(world, gameCode({ tag: `v${round}` }, log)).ms);
    times.sort((x, y) => x - y);
    console.log(`[world-swap] 10k entities, 5k timers: median ${times[3].toFixed(2)} ms, min ${times[0].toFixed(2)} ms, max ${times[6].toFixed(2)} ms over 7 swaps`);
    world.call(ids[9999], 'greet', ['last']);
    expect(log).toEqual(['v8:hello last']);
  });
});
