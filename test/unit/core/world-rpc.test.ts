import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import { attr } from '../../../src/core/attr-decl.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { defineSpaceType } from '../../../src/core/space.ts';
import { t } from '../../../src/core/value-types.ts';
import { createGameWorld } from '../../../src/core/world.ts';

const calls: string[] = [];
const Avatar = defineEntityType({
  name: 'Avatar',
  attrs: { text: attr(t.string, { flags: ['allClients'] }), n: attr(t.int) },
  rpc: {
    admin: { expose: 'server', args: [], fn: (e) => void calls.push(`admin ${e.id}`) },
    say: {
      expose: 'ownClient',
      args: [t.string, t.int],
      fn: (e, text, n) => {
        e.attrs.set('text', text);
        e.attrs.set('n', n);
        calls.push(`say ${text} ${n}`);
      },
    },
    wave: { expose: 'allClients', args: [t.nullable(t.list(t.string))], fn: (e, who) => void calls.push(`wave ${JSON.stringify(who)}`) },
    boom: { expose: 'server', args: [], fn: () => { throw new Error('kaput'); } },
  },
});
const Town = defineSpaceType({ name: 'Town', aoi: { radius: 10 } });

function setup() {
  calls.length = 0;
  const errors: string[] = [];
  const world = createGameWorld({ entityTypes: [Avatar], spaceTypes: [Town], aoiFactory: createBruteForceAoi, onError: (_e, w) => errors.push(w) });
  const town = world.createSpace('Town');
  world.applyDeferred();
  const a = world.createEntity('Avatar', { space: town, position: { x: 0, y: 0, z: 0 } });
  const near = world.createEntity('Avatar', { space: town, position: { x: 5, y: 0, z: 0 } });
  const far = world.createEntity('Avatar', { space: town, position: { x: 50, y: 0, z: 0 } });
  world.step(0.05);
  world.setClient(a, 'ca');
  world.setClient(near, 'cn');
  world.setClient(far, 'cf');
  return { world, a, near, far, errors };
}

describe('RPC', () => {
  it('runs server calls of any exposure, with typed args', () => {
    const { world, a } = setup();
    expect(world.call(a, 'admin', [])).toEqual({ ok: true });
    expect(world.call(a, 'say', ['hi', 2])).toEqual({ ok: true });
    expect(calls).toEqual([`admin ${a}`, 'say hi 2']);
    expect(world.entity(a)!.attrs.get('text')).toBe('hi');
  });

  it('enforces exposure for client callers', () => {
    const { world, a, near, far } = setup();
    const asClient = (clientId: string) => ({ kind: 'client', clientId }) as const;
    expect(world.call(a, 'admin', [], asClient('ca'))).toMatchObject({ ok: false, code: 'PERMISSION_DENIED' });
    expect(world.call(a, 'say', ['x', 1], asClient('cn'))).toMatchObject({ ok: false, code: 'PERMISSION_DENIED' });
    expect(world.call(a, 'say', ['x', 1], asClient('ca'))).toEqual({ ok: true });
    expect(world.call(a, 'wave', [null], asClient('ca'))).toEqual({ ok: true }); // own entity
    expect(world.call(a, 'wave', [['n']], asClient('cn'))).toEqual({ ok: true }); // sees a
    expect(world.call(a, 'wave', [null], asClient('cf'))).toMatchObject({ ok: false, code: 'PERMISSION_DENIED' }); // too far
    expect(world.call(a, 'wave', [null], asClient('nobody'))).toMatchObject({ ok: false, code: 'PERMISSION_DENIED' });
    expect(calls).toEqual(['say x 1', 'wave null', 'wave ["n"]']);
    expect(world.interestedIn(near)).toEqual([a]);
    expect(world.interestedBy(far)).toEqual([]);
  });

  it('validates untrusted arguments at runtime and returns codes instead of throwing', () => {
    const { world, a } = setup();
    const ca = { kind: 'client', clientId: 'ca' } as const;
    expect(world.call(a, 'say', ['x'], ca)).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT', message: expect.stringContaining('expected 2') });
    expect(world.call(a, 'say', ['x', 1.5], ca)).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT', message: expect.stringContaining('argument 2') });
    expect(world.call(a, 'say', [1, 1], ca)).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT' });
    expect(world.call(a, 'say', 'xx' as unknown as unknown[], ca)).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT' });
    expect(world.call(a, 'wave', [['ok', 3]], ca)).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT', message: expect.stringContaining('argument 1[1]') });
    expect(world.call(a, 'nope', [], ca)).toMatchObject({ ok: false, code: 'UNKNOWN_METHOD' });
    expect(world.call('AAAAAAAAAAAAAAAA', 'say', [], ca)).toMatchObject({ ok: false, code: 'UNKNOWN_ENTITY' });
    expect(calls).toEqual([]);
  });

  it('reports a throwing handler as HANDLER_FAILED, with a public message (the exception goes to the log)', () => {
    const { world, a, errors } = setup();
    const result = world.call(a, 'boom', []);
    expect(result).toMatchObject({ ok: false, code: 'HANDLER_FAILED', message: 'Avatar.boom failed on the server' });
    expect(JSON.stringify(result)).not.toContain('kaput');
    expect(errors).toEqual(['Avatar.boom']);
  });

  it('checks handler parameter types at compile time', () => {
    const guard = () =>
      defineEntityType({
        name: 'T',
        attrs: { n: attr(t.int) },
        rpc: {
          // @ts-expect-error text is a string, not a number
          bad: { expose: 'server', args: [t.string], fn: (e, text: number) => e.attrs.set('n', text) },
          good: {
            expose: 'server',
            args: [t.string, t.int],
            fn: (e, s, n) => {
              // @ts-expect-error s is a string
              e.attrs.set('n', s);
              e.attrs.set('n', n);
            },
          },
        },
      });
    expect(typeof guard).toBe('function');
  });

  it('queues client calls for the outbound layer', () => {
    const { world, a } = setup();
    world.entity(a)!.callClient('show', ['x']);
    world.entity(a)!.callAllClients('fx', [1]);
    const out: string[] = [];
    world.drainClientCalls((c) => out.push(`${c.to}:${c.method}:${JSON.stringify(c.args)}`));
    expect(out).toEqual(['own:show:["x"]', 'all:fx:[1]']);
  });
});
