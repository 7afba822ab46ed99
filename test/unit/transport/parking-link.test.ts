import { describe, expect, it } from 'vitest';
import { createParkingLink } from '../../../src/transport/parking-link.ts';
import type { Link } from '../../../src/transport/index.ts';

/** Records what reaches it, in order. */
function recordingLink(): Link & { frames: [number, number[]][] } {
  const frames: [number, number[]][] = [];
  return {
    frames,
    send: (type: number, body: Uint8Array) => void frames.push([type, [...body]]),
    flush: () => true,
  } as unknown as Link & { frames: [number, number[]][] };
}

function setup(maxBytes = 1000, maxMs = 1000) {
  const clock = { t: 0 };
  const overflows: string[] = [];
  const dropped: number[] = [];
  const link = createParkingLink({
    maxBytes, maxMs, now: () => clock.t,
    isStream: (type) => type === 99,
    onStreamDropped: (type) => dropped.push(type),
    onOverflow: (why) => overflows.push(why),
  });
  return { link, clock, overflows, dropped };
}

describe('parking link', () => {
  it('parks frames in order while detached and writes them first once attached', () => {
    const { link } = setup();
    link.send(1, Uint8Array.of(1));
    link.sendParts(2, Uint8Array.of(2), Uint8Array.of(3));
    const { buffer, offset } = link.reserve(3, 8);
    buffer[offset] = 4;
    link.commit(1);
    expect(link.parkedFrames).toBe(3);
    expect(link.degraded).toBe(true);
    const real = recordingLink();
    link.attach(real);
    link.send(4, Uint8Array.of(5));
    expect(real.frames).toEqual([[1, [1]], [2, [2, 3]], [3, [4]], [4, [5]]]);
    expect(link.parkedFrames).toBe(0);
  });

  it('drops what supersedes itself instead of parking it', () => {
    const { link, dropped } = setup();
    link.send(99, Uint8Array.of(1));
    expect(link.parkedFrames).toBe(0);
    expect(dropped).toEqual([99]);
  });

  it('gives up past its byte bound and past its time bound', () => {
    const bytes = setup(4);
    bytes.link.send(1, new Uint8Array(5));
    expect(bytes.overflows[0]).toMatch(/exceed 4/);
    expect(bytes.link.parkedFrames).toBe(0);
    const time = setup(1000, 100);
    time.link.send(1, Uint8Array.of(1));
    time.clock.t = 50;
    time.link.flush();
    expect(time.overflows).toEqual([]);
    time.clock.t = 150;
    time.link.flush();
    expect(time.overflows[0]).toMatch(/over 100 ms/);
  });

  it('copies what it parks: the caller may reuse its buffer', () => {
    const { link } = setup();
    const body = Uint8Array.of(7);
    link.send(1, body);
    body[0] = 8;
    const real = recordingLink();
    link.attach(real);
    expect(real.frames).toEqual([[1, [7]]]);
  });
});
