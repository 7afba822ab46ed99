import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy whose client → server direction runs at a rate the test sets: an artificially slow link
 * between a game and its dispatcher. It reads from the client only as fast as it forwards (pausing the
 * socket), so the slowness reaches the sender as TCP backpressure, as a slow network would. The other
 * direction is a plain pipe.
 */
export interface ThrottledProxy {
  readonly port: number;
  /** Bytes a second towards the server; null: unthrottled. */
  setRate(bytesPerSec: number | null): void;
  /** Bytes forwarded towards the server so far. */
  readonly forwarded: number;
  close(): Promise<void>;
}

const TICK_MS = 10;
/** Read from the client only while less than this is waiting to be forwarded. */
const MAX_QUEUED = 16 * 1024;

export async function startThrottledProxy(target: { host: string; port: number }): Promise<ThrottledProxy> {
  let rate: number | null = null;
  let forwarded = 0;
  const pairs = new Set<{ client: Socket; server: Socket; queue: Buffer[]; queued: number }>();

  function pump(pair: { client: Socket; server: Socket; queue: Buffer[]; queued: number }, budget: number): void {
    while (pair.queue.length > 0 && budget > 0) {
      const head = pair.queue[0]!;
      const piece = head.length <= budget ? head : head.subarray(0, budget);
      if (piece === head) pair.queue.shift();
      else pair.queue[0] = head.subarray(budget);
      budget -= piece.length;
      pair.queued -= piece.length;
      forwarded += piece.length;
      pair.server.write(piece);
    }
    if (pair.queued < MAX_QUEUED) pair.client.resume();
  }

  const timer = setInterval(() => {
    for (const pair of pairs) pump(pair, rate === null ? Infinity : Math.max(1, Math.round((rate * TICK_MS) / 1000)));
  }, TICK_MS);

  const server = createServer((client) => {
    const upstream = connect(target);
    const pair = { client, server: upstream, queue: [] as Buffer[], queued: 0 };
    pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      pair.queue.push(chunk);
      pair.queued += chunk.length;
      if (rate === null) pump(pair, Infinity);
      else if (pair.queued >= MAX_QUEUED) client.pause();
    });
    upstream.pipe(client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    setRate(bytesPerSec) {
      rate = bytesPerSec;
    },
    get forwarded() {
      return forwarded;
    },
    close() {
      clearInterval(timer);
      for (const pair of pairs) {
        pair.client.destroy();
        pair.server.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
