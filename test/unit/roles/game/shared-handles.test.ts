import { describe, expect, it } from 'vitest';
import type { EntityId } from '../../../../src/core/entity-id.ts';
import { createClientViews } from '../../../../src/roles/game/client-views.ts';
import { PRIVATE_HANDLE_MIN } from '../../../../src/roles/game/shared-handles.ts';

const id = (n: number) => `ent-${String(n).padStart(12, '0')}` as EntityId;

describe('shared handles in client views', () => {
  it('gives an entity the same handle in every view, and each view counts none misaligned', () => {
    const views = createClientViews();
    const a = views.open('client-00000000a', 1, id(1));
    const b = views.open('client-00000000b', 2, id(2));
    for (const n of [1, 2, 3]) expect(views.add(a, id(n))).toBe(views.shared.peek(id(n)));
    for (const n of [3, 2, 1]) expect(views.add(b, id(n))).toBe(views.shared.peek(id(n)));
    expect([a.misaligned, b.misaligned]).toEqual([0, 0]);
    expect(new Set([1, 2, 3].map((n) => views.shared.peek(id(n)))).size).toBe(3);
  });

  it('never gives a handle to a new entity while any view still holds it for a gone one', () => {
    const views = createClientViews();
    const a = views.open('client-00000000a', 1, id(1));
    const b = views.open('client-00000000b', 1, id(2));
    const h = views.add(a, id(7));
    views.add(b, id(7));
    const alive = new Set<EntityId>();
    views.remove(a, id(7));
    views.shared.sweep((e) => alive.has(e)); // entity 7 is gone, but b still holds its handle
    const next = views.add(a, id(8));
    expect(next).not.toBe(h);
    views.remove(b, id(7));
    views.shared.sweep((e) => alive.has(e) || e === id(8));
    // Now free: the next entity may have it, in any view, with no clash.
    expect(views.add(b, id(9))).toBe(h);
    expect(views.add(a, id(9))).toBe(h);
  });

  it('closing a view releases what it held, so a gone entity\'s handle is free again', () => {
    const views = createClientViews();
    const a = views.open('client-00000000a', 1, id(1));
    const h = views.add(a, id(5));
    views.close('client-00000000a');
    views.shared.sweep(() => false);
    const b = views.open('client-00000000b', 1, id(2));
    expect(views.add(b, id(6))).toBe(h);
  });

  it('restores per-client numbering from an older snapshot without ever clashing, and marks it misaligned', () => {
    const views = createClientViews();
    // Handle 1 names two entities in two views: the older numbering, one counter per client.
    views.restore([
      { clientId: 'client-00000000a', gateId: 1, owner: id(1), handles: [[id(1), 1], [id(3), 2]], nextHandle: 3, freeHandles: [] },
      { clientId: 'client-00000000b', gateId: 1, owner: id(2), handles: [[id(2), 1], [id(3), 2]], nextHandle: 3, freeHandles: [] },
    ]);
    const a = views.get('client-00000000a')!;
    const b = views.get('client-00000000b')!;
    expect([a.misaligned, b.misaligned]).toEqual([1, 1]); // entity 3 under 2 in both views is aligned
    expect(views.shared.peek(id(3))).toBe(2);
    const fresh = views.add(a, id(4));
    expect([1, 2]).not.toContain(fresh);
    expect(views.add(b, id(4))).toBe(fresh);
    // Handle 1 is free again only once neither view holds it.
    views.remove(a, id(1));
    expect(views.add(a, id(5))).not.toBe(1);
    views.remove(b, id(2));
    views.shared.sweep(() => true);
    expect(views.add(b, id(6))).toBe(1);
    expect([a.misaligned, b.misaligned]).toEqual([0, 0]);
  });

  it('falls back to the view\'s own handles, above the shared range, once shared ones run out', () => {
    const views = createClientViews();
    const a = views.open('client-00000000a', 1, id(0));
    for (let n = 1; n < PRIVATE_HANDLE_MIN; n++) views.add(a, id(n));
    expect(a.misaligned).toBe(0);
    const own = views.add(a, id(PRIVATE_HANDLE_MIN));
    expect(own).toBeGreaterThanOrEqual(PRIVATE_HANDLE_MIN);
    expect(a.misaligned).toBe(1);
    views.remove(a, id(PRIVATE_HANDLE_MIN));
    expect(a.misaligned).toBe(0);
  });
});
