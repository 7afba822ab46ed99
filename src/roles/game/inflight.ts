/**
 * Counts async work whose result will re-enter the game loop (storage loads, KV answers). A freeze
 * waits for it to reach zero, so no answer arrives after the world was written to disk and is lost.
 */
export interface Inflight {
  track<T>(promise: Promise<T>): Promise<T>;
  readonly count: number;
}

export function createInflight(): Inflight {
  let count = 0;
  return {
    track(promise) {
      count++;
      const done = () => void count--;
      promise.then(done, done);
      return promise;
    },
    get count() {
      return count;
    },
  };
}
