import { describe, expect, it } from 'vitest';
import { TsworldError } from '../../../src/core/errors.ts';
import { createStoreLifecycle } from '../../../src/storage/store-lifecycle.ts';

describe('createStoreLifecycle', () => {
  it('turns synchronous throws into rejections', async () => {
    const lifecycle = createStoreLifecycle('test store');
    const result = lifecycle.run(() => {
      throw new TsworldError('INVALID_ARGUMENT', 'bad');
    });
    await expect(result).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('close waits for in-flight operations before releasing, and releases once', async () => {
    const lifecycle = createStoreLifecycle('test store');
    const events: string[] = [];
    let finish!: () => void;
    const op = lifecycle.run(
      () =>
        new Promise<void>((resolve) => {
          finish = () => {
            events.push('op done');
            resolve();
          };
        }),
    );
    const release = (): void => {
      events.push('released');
    };
    const closed = lifecycle.close(release);
    const closedAgain = lifecycle.close(release);
    await Promise.resolve();
    expect(events).toEqual([]);
    finish();
    await Promise.all([op, closed, closedAgain]);
    expect(events).toEqual(['op done', 'released']);
  });

  it('a failed in-flight operation does not stop close', async () => {
    const lifecycle = createStoreLifecycle('test store');
    const op = lifecycle.run(() => Promise.reject(new Error('backend down')));
    let released = false;
    await lifecycle.close(() => {
      released = true;
    });
    await expect(op).rejects.toThrow('backend down');
    expect(released).toBe(true);
  });

  it('rejects operations after close with INVALID_STATE naming the store', async () => {
    const lifecycle = createStoreLifecycle('my store');
    await lifecycle.close(() => undefined);
    const err = await lifecycle.run(() => 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TsworldError);
    expect((err as TsworldError).code).toBe('INVALID_STATE');
    expect((err as TsworldError).message).toContain('my store');
  });
});
