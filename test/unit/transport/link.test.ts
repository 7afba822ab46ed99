import { afterEach, describe, expect, it } from 'vitest';
import { deferred } from '../../support/waiter.ts';
import { listenLinks } from '../../../src/transport/link-net.ts';
import type { LinkServer } from '../../../src/transport/link-net.ts';
import type { Link } from '../../../src/transport/link.ts';
import { keepLinkOpen } from '../../../src/transport/reconnect.ts';

const HOST = '127.0.0.1';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});


async function server(options: Partial<Parameters<typeof listenLinks>[0]> = {}): Promise<LinkServer> {
  const s = await listenLinks({ host: HOST, port: 0, onFrame: () => undefined, ...options });
  cleanups.push(() => s.close());
  return s;
}

describe('keepLinkOpen', () => {
  it('reconnects after the link drops and stops on demand', async () => {
    const accepted: Link[] = [];
    const s = await server({ onLink: (l) => accepted.push(l) });
    const connects: Link[] = [];
    const second = deferred<void>();
    const first = deferred<void>();
    const keeper = keepLinkOpen({
      host: HOST,
      port: s.port,
      minDelayMs: 5,
      onFrame: () => undefined,
      onConnect(link) {
        connects.push(link);
        if (connects.length === 1) first.resolve();
        if (connects.length === 2) second.resolve();
      },
    });
    cleanups.push(() => keeper.stop());
    await first.promise;
    expect(keeper.link).toBe(connects[0]);
    while (accepted.length === 0) await new Promise((r) => setTimeout(r, 5));
    accepted[0].destroy();
    await second.promise;
    expect(connects[1]).not.toBe(connects[0]);
    keeper.stop();
    expect(keeper.link).toBeNull();
  });

  it('retries with growing delays while nobody listens', async () => {
    const s = await listenLinks({ host: HOST, port: 0, onFrame: () => undefined });
    const port = s.port;
    await s.close();
    const delays: number[] = [];
    const enough = deferred<void>();
    const keeper = keepLinkOpen({
      host: HOST,
      port,
      minDelayMs: 1,
      maxDelayMs: 4,
      onFrame: () => undefined,
      onConnect: () => undefined,
      onRetry(_attempt, delay, error) {
        expect(error.code).toBe('TRANSPORT_FAILURE');
        delays.push(delay);
        if (delays.length === 5) enough.resolve();
      },
    });
    cleanups.push(() => keeper.stop());
    await enough.promise;
    keeper.stop();
    expect(delays).toEqual([1, 2, 4, 4, 4]);
  });
});
