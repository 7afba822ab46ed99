import { describe, expect, it, vi } from 'vitest';
import { createPeerTable } from '../../../../src/roles/dispatcher/peers.ts';
import { createFakeClock, createFakeScheduler } from '../../../../src/testing/fake-clock.ts';
import type { Link } from '../../../../src/transport/index.ts';

// The table only keys by links and destroys a displaced one.
const fakeLink = (): Link => ({ destroy: vi.fn() }) as unknown as Link;

function table(random = () => 0) {
  const clock = createFakeClock();
  const scheduler = createFakeScheduler(clock);
  return { peers: createPeerTable({ now: clock.now, random, scheduler }), scheduler };
}

describe('peer table', () => {
  it('tells game links from gate links, and forgets both on removal', () => {
    const { peers } = table();
    const g = fakeLink();
    const t = fakeLink();
    peers.attachGame(1, g, false);
    peers.attachGate(7, t);
    expect(peers.gameOfLink(g)?.id).toBe(1);
    expect(peers.gateOfLink(g)).toBeUndefined();
    expect(peers.gateOfLink(t)?.id).toBe(7);
    expect(peers.gameOfLink(t)).toBeUndefined();
    expect([peers.liveGameCount(), peers.gateCount()]).toEqual([1, 1]);
    peers.removeGame(1);
    peers.removeGate(7);
    expect([peers.known(g), peers.known(t), peers.liveGameCount(), peers.gateCount()]).toEqual([false, false, 0, 0]);
  });

  it('lets a second process claiming a live game id win, destroying the old link', () => {
    const { peers } = table();
    const old = fakeLink();
    const newer = fakeLink();
    peers.attachGame(1, old, false);
    const { game } = peers.attachGame(1, newer, false);
    expect(old.destroy).toHaveBeenCalledOnce();
    expect(peers.known(old)).toBe(false);
    expect(peers.gameOfLink(newer)).toBe(game);
  });

  it('queues for a frozen game up to the bound and flushes the queue, in order, to the restored process', () => {
    const { peers, scheduler } = table();
    const before = fakeLink();
    const { game } = peers.attachGame(1, before, false);
    peers.freeze(game);
    expect(peers.liveGameCount()).toBe(0);
    expect(peers.holdForFrozen(game, 10, new Uint8Array([1]), 2)).toBe(true);
    expect(peers.holdForFrozen(game, 11, new Uint8Array([2]), 2)).toBe(true);
    expect(peers.holdForFrozen(game, 12, new Uint8Array([3]), 2)).toBe(false);
    const onTimeout = vi.fn();
    peers.detachFrozen(game, 1000, onTimeout);
    expect([game.link, peers.known(before)]).toEqual([null, false]);
    const after = fakeLink();
    const { game: restored, flushed } = peers.attachGame(1, after, true);
    expect(restored).toBe(game);
    expect(flushed.map((f) => [f.type, [...f.body]])).toEqual([[10, [1]], [11, [2]]]);
    expect([restored.state, restored.queue.length, peers.liveGameCount()]).toEqual(['live', 0, 1]);
    // The restore cancelled the timer that would have declared the game down.
    scheduler.advance(2000);
    expect(onTimeout).not.toHaveBeenCalled();
  });

  it('declares a detached frozen game down when its restore does not come in time', () => {
    const { peers, scheduler } = table();
    const { game } = peers.attachGame(1, fakeLink(), false);
    peers.freeze(game);
    const onTimeout = vi.fn();
    peers.detachFrozen(game, 1000, onTimeout);
    scheduler.advance(999);
    expect(onTimeout).not.toHaveBeenCalled();
    scheduler.advance(1);
    expect(onTimeout).toHaveBeenCalledOnce();
  });

  it('places on the least loaded live game, boots round-robin, and falls back to frozen games', () => {
    const { peers } = table();
    const a = peers.attachGame(1, fakeLink(), false).game;
    const b = peers.attachGame(2, fakeLink(), false).game;
    peers.reportLoad(1, 0.5);
    peers.reportLoad(2, 0.1);
    expect(peers.placeOnLeastLoaded()).toBe(b);
    expect([peers.nextBootGame(), peers.nextBootGame(), peers.nextBootGame()]).toEqual([a, b, a]);
    peers.freeze(b);
    expect(peers.placeOnLeastLoaded()).toBe(a);
    // Every game frozen for a hot swap: new entities still go somewhere, through the frozen queues.
    peers.freeze(a);
    expect(peers.placeOnLeastLoaded()).toBe(b);
    peers.removeGame(1);
    peers.removeGame(2);
    expect([peers.placeOnLeastLoaded(), peers.nextBootGame()]).toEqual([undefined, undefined]);
  });
  it('charges each placement to its game until the next report, so a burst of logins spreads', () => {
    const { peers } = table();
    const a = peers.attachGame(1, fakeLink(), false).game;
    const b = peers.attachGame(2, fakeLink(), false).game;
    // Both idle; a reported a little less tick time. Reading only the reports, every login of the
    // coming second would go to a.
    peers.reportLoad(1, 0.001, false, 10);
    peers.reportLoad(2, 0.004, false, 10);
    const burst = Array.from({ length: 20 }, () => peers.placeOnLeastLoaded()!.id);
    expect(burst[0]).toBe(1);
    expect(burst.filter((id) => id === 1).length).toBeGreaterThanOrEqual(9);
    expect(burst.filter((id) => id === 2).length).toBeGreaterThanOrEqual(9);
    // A report replaces the estimate: the charges are dropped.
    peers.reportLoad(1, 0.001, false, 21);
    expect([a.placedSinceReport, b.placedSinceReport > 0]).toEqual([0, true]);
  });

  it('charges a loaded game its measured cost per entity, so a real gap is not spread away', () => {
    const { peers } = table();
    peers.attachGame(1, fakeLink(), false);
    peers.attachGame(2, fakeLink(), false);
    // 0.1 over 10 entities is 0.01 each, above the floor: a takes 20 before b has the lower estimate.
    peers.reportLoad(1, 0.1, false, 10);
    peers.reportLoad(2, 0.3, false, 10);
    const burst = Array.from({ length: 30 }, () => peers.placeOnLeastLoaded()!.id);
    expect(burst.slice(0, 20).every((id) => id === 1)).toBe(true);
    expect(burst.slice(21).some((id) => id === 2)).toBe(true);
  });
});
