import { describe, expect, it } from 'vitest';
import { createLiveness } from '../../../../src/roles/shared/link-liveness.ts';
import { createFakeClock, createFakeScheduler } from '../../../../src/testing/fake-clock.ts';
import type { Link } from '../../../../src/transport/index.ts';

/** Only what liveness reads of a link: its received byte count and whether it closed. */
function fakeLink(): Link & { receive(n: number): void } {
  const state = { bytes: 0, closed: false };
  return {
    get receivedBytes() {
      return state.bytes;
    },
    get closed() {
      return state.closed;
    },
    receive(n: number) {
      state.bytes += n;
    },
  } as unknown as Link & { receive(n: number): void };
}

function setup() {
  const clock = createFakeClock(1_000);
  const scheduler = createFakeScheduler(clock);
  const events: string[] = [];
  const beats: Link[] = [];
  const liveness = createLiveness({
    heartbeatMs: 100,
    timeoutMs: 1000,
    clock,
    scheduler,
    beat: (link) => beats.push(link),
    onSuspect: (_link, ms) => events.push(`suspect ${ms}`),
    onDown: (_link, ms) => events.push(`down ${ms}`),
    onStall: (ms) => events.push(`stall ${ms}`),
  });
  const step = (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      clock.advance(100);
      scheduler.advance(0);
    }
  };
  return { clock, scheduler, events, beats, liveness, step };
}

describe('link liveness', () => {
  it('beats every period and keeps a link that sends anything alive', () => {
    const { liveness, step, events, beats } = setup();
    const link = fakeLink();
    liveness.watch(link);
    for (let i = 0; i < 30; i++) {
      link.receive(10);
      step(100);
    }
    expect(events).toEqual([]);
    expect(beats.length).toBe(30);
  });

  it('is SUSPECT at half the timeout and DOWN at the timeout, once, with the silence it saw', () => {
    const { liveness, step, events } = setup();
    const link = fakeLink();
    liveness.watch(link);
    step(2000);
    expect(events).toEqual(['suspect 500', 'down 1000']);
  });

  it('clears SUSPECT when bytes arrive again', () => {
    const { liveness, step, events } = setup();
    const link = fakeLink();
    liveness.watch(link);
    step(600);
    link.receive(1);
    step(600);
    expect(events).toEqual(['suspect 500', 'suspect 500']);
  });

  it('after its own stall, reports it and measures peers afresh instead of declaring them down', () => {
    const { liveness, clock, scheduler, events } = setup();
    const link = fakeLink();
    liveness.watch(link);
    // The whole process stood still for 5 s: the timer comes 5 s late, and the peer's bytes are unread.
    clock.advance(5000);
    scheduler.advance(0);
    expect(events).toEqual(['stall 5000']);
  });

  it('forgets closed and unwatched links', () => {
    const { liveness, step, events, beats } = setup();
    const a = fakeLink();
    liveness.watch(a);
    liveness.unwatch(a);
    step(2000);
    expect(events).toEqual([]);
    expect(beats).toEqual([]);
  });
});
