import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { createGameWorld } from '../../../src/core/world.ts';
import type { ClientEvent } from '../../../src/core/world-api.ts';

/** onClientDisconnected says why, and a resume rebinds without either hook. */
function world() {
  const log: string[] = [];
  const names = new Map<string, number>();
  const Avatar = defineEntityType({
    name: 'Avatar',
    hooks: {
      onClientConnected: (e, c) => log.push(`connected ${names.get(e.id)} ${c}`),
      onClientDisconnected: (e, c, _w, reason) => log.push(`disconnected ${names.get(e.id)} ${c} ${reason}`),
    },
  });
  const w = createGameWorld({ entityTypes: [Avatar], aoiFactory: createBruteForceAoi, onError: (err) => log.push(`error ${String(err)}`) });
  const make = (n: number, client?: string) => {
    const id = w.createEntity('Avatar', { client });
    names.set(id, n);
    return id;
  };
  return { w, log, make };
}

describe('onClientDisconnected reasons', () => {
  it('unbound by setClient (default or given), given away, destroyed', () => {
    const { w, log, make } = world();
    const [a, b, c] = [make(1, 'ClientA000000001'), make(2, 'ClientB000000001'), make(3, 'ClientC000000001')];
    w.applyDeferred();
    log.length = 0;
    w.setClient(a, null);
    w.setClient(b, null, 'connection-lost');
    w.giveClientTo(c, a);
    w.destroyEntity(a);
    w.applyDeferred();
    expect(log).toEqual([
      'disconnected 1 ClientA000000001 unbound',
      'disconnected 2 ClientB000000001 connection-lost',
      'disconnected 3 ClientC000000001 given-away',
      'connected 1 ClientC000000001',
      'disconnected 1 ClientC000000001 destroyed',
    ]);
  });

  it('resumeClient rebinds the entity to the new client id without hooks, and emits a bind for its snapshot', () => {
    const { w, log, make } = world();
    const a = make(1, 'ClientA000000001');
    w.applyDeferred();
    w.drainClientEvents(() => undefined);
    log.length = 0;
    expect(w.resumeClient('ClientA000000001', 'ClientA000000002')).toEqual({ ok: true });
    expect(w.entityOfClient('ClientA000000002')?.id).toBe(a);
    expect(w.entityOfClient('ClientA000000001')).toBeUndefined();
    expect(w.entity(a)?.client).toBe('ClientA000000002');
    const events: ClientEvent[] = [];
    w.drainClientEvents((e) => events.push(e));
    expect(events).toEqual([{ kind: 'bind', entity: a, client: 'ClientA000000002' }]);
    expect(log).toEqual([]);
    expect(w.resumeClient('ClientA000000001', 'ClientA000000003')).toMatchObject({ ok: false, code: 'INVALID_STATE' });
  });
});
