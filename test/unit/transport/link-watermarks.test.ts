import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createLink } from '../../../src/transport/link.ts';
import { memorySocketPair } from '../../../src/transport/memory-socket.ts';
import type { TsworldError } from '../../../src/core/errors.ts';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A link whose reader can stop and start, with its pressure changes and failure recorded. */
function pausableLink(limits: { highWatermarkBytes: number; lowWatermarkBytes: number; maxPendingBytes: number }) {
  const [writer, reader] = memorySocketPair({ address: 'a', port: 1 }, { address: 'b', port: 2 });
  const changes: boolean[] = [];
  let closedWith: TsworldError | null | undefined;
  const link = createLink(writer, {
    ...limits,
    onFrame: () => undefined,
    onPressure: (_l, degraded) => changes.push(degraded),
    onClose: (_l, err) => (closedWith = err),
  });
  let received = 0;
  reader.on('data', (chunk: Buffer) => (received += chunk.length));
  return { link, reader, changes, received: () => received, closedWith: () => closedWith };
}

describe('link watermarks', () => {
  it('degrades above the high watermark and recovers only at the low one (hysteresis)', async () => {
    const t = pausableLink({ highWatermarkBytes: 10_000, lowWatermarkBytes: 2_000, maxPendingBytes: 100_000 });
    t.reader.pause();
    t.link.send(1, new Uint8Array(6_000));
    t.link.flush();
    expect(t.link.degraded).toBe(false);
    t.link.send(1, new Uint8Array(6_000));
    t.link.flush();
    expect(t.link.degraded).toBe(true);
    expect(t.changes).toEqual([true]);
    // More sends while degraded do not report again.
    t.link.send(1, new Uint8Array(1_000));
    t.link.flush();
    expect(t.changes).toEqual([true]);
    t.reader.resume();
    await turn();
    await turn();
    expect(t.link.pendingBytes).toBe(0);
    expect(t.link.degraded).toBe(false);
    expect(t.changes).toEqual([true, false]);
    expect(t.received()).toBeGreaterThan(13_000);
  });

  it('stays degraded while the backlog is between the watermarks, and recovers as the kernel takes bytes', () => {
    // A socket whose backlog the test sets, as a TCP socket's writableLength moves while the kernel takes bytes.
    const socket = Object.assign(new EventEmitter(), {
      destroyed: false,
      writableLength: 0,
      taken: [] as (() => void)[],
      setNoDelay: () => undefined,
      write(bytes: Uint8Array, done: () => void) {
        socket.writableLength += bytes.length;
        socket.taken.push(done);
        return true;
      },
      end: () => undefined,
      destroy: () => undefined,
    });
    const changes: boolean[] = [];
    const link = createLink(socket, {
      highWatermarkBytes: 10_000,
      lowWatermarkBytes: 2_000,
      onFrame: () => undefined,
      onPressure: (_l, degraded) => changes.push(degraded),
    });
    link.send(1, new Uint8Array(12_000));
    link.flush();
    expect(link.degraded).toBe(true);
    socket.writableLength = 5_000;
    socket.taken.shift()!();
    expect(link.degraded).toBe(true);
    link.flush();
    expect(changes).toEqual([true]);
    socket.writableLength = 1_500;
    link.flush();
    expect(link.degraded).toBe(false);
    expect(changes).toEqual([true, false]);
  });

  it('fails the link with a clear TRANSPORT_FAILURE only at the hard bound', async () => {
    const t = pausableLink({ highWatermarkBytes: 10_000, lowWatermarkBytes: 2_000, maxPendingBytes: 30_000 });
    t.reader.pause();
    for (let i = 0; i < 5; i++) {
      t.link.send(1, new Uint8Array(5_000));
      t.link.flush();
    }
    expect(t.link.closed).toBe(false);
    expect(t.link.degraded).toBe(true);
    t.link.send(1, new Uint8Array(6_000));
    expect(t.link.flush()).toBe(false);
    await turn();
    const err = t.closedWith();
    expect(err?.code).toBe('TRANSPORT_FAILURE');
    expect(err?.message).toMatch(/hard bound maxPendingBytes 30000/);
  });
});
