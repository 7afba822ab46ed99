import { TsworldError } from '../core/errors.ts';

/**
 * Open/closed bookkeeping shared by every store: operations after `close()` reject with INVALID_STATE,
 * and `close()` waits for operations already started so a caller's last save is never cut off.
 */
export interface StoreLifecycle {
  /** Runs `op` unless closed; synchronous throws become rejections, so callers always get a Promise. */
  run<T>(op: () => T | Promise<T>): Promise<T>;
  /** Idempotent: the first call waits for in-flight operations, then calls `release` once. */
  close(release: () => Promise<void> | void): Promise<void>;
}

export function createStoreLifecycle(storeName: string): StoreLifecycle {
  const inFlight = new Set<Promise<unknown>>();
  let closing: Promise<void> | undefined;

  return {
    run<T>(op: () => T | Promise<T>): Promise<T> {
      if (closing) {
        return Promise.reject(new TsworldError('INVALID_STATE', `${storeName} is closed`));
      }
      let result: Promise<T>;
      try {
        result = Promise.resolve(op());
      } catch (err) {
        return Promise.reject(err);
      }
      inFlight.add(result);
      const forget = (): void => {
        inFlight.delete(result);
      };
      result.then(forget, forget);
      return result;
    },
    close(release: () => Promise<void> | void): Promise<void> {
      closing ??= (async () => {
        await Promise.allSettled([...inFlight]);
        await release();
      })();
      return closing;
    },
  };
}
