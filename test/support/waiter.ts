/**
 * Event-driven waits for tests: `poke()` whenever something was recorded, and every pending `waitFor`
 * re-checks its probe; a probe that never holds rejects after `timeoutMs`, naming what it waited for.
 */
export interface Waiter {
  poke(): void;
  waitFor<T>(probe: () => T | undefined | null | false, what: string, timeoutMs?: number): Promise<T>;
}

export function createWaiter(defaultTimeoutMs = 20_000): Waiter {
  const listeners = new Set<() => void>();
  return {
    poke() {
      for (const l of [...listeners]) l();
    },
    waitFor<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = defaultTimeoutMs): Promise<T> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const value = probe();
          if (value !== undefined && value !== null && value !== false) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(value as T);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}

/** A promise with its resolve function outside, for tests that wait on a callback. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
