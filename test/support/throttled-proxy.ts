import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy with one direction running at a rate the test sets: an artificially slow link between a
 * game (or gate) and its dispatcher. It reads from the sending side only as fast as it forwards
 * (pausing that socket), so the slowness reaches the sender as TCP backpressure, as a slow network
 * would. The other direction is a plain pipe.
 */
export interface ThrottledProxy {
  readonly port: number;
  /** Bytes a second in the throttled direction; null: unthrottled. */
  setRate(bytesPerSec: number | null): void;
  /** Bytes forwarded in the throttled direction so far. */
  readonly forwarded: number;
  close(): Promise<void>;
}

const TICK_MS = 10;
/** Read from the sender only while less than this is waiting to be forwarded. */
const MAX_QUEUED = 16 * 1024;

interface Pipe {
  readonly from: Socket;
  readonly to: Socket;
  readonly queue: Buffer[];
  queued: number;
}

export async function startThrottledProxy(
  target: { host: string; port: number },
  /** 'toServer': what the connecting process sends is slow (a game's link); 'toClient': what it receives. */
  throttled: 'toServer' | 'toClient' = 'toServer',
): Promise<ThrottledProxy> {
  let rate: number | null = null;
  let forwarded = 0;
  const pipes = new Set<Pipe>();

  function pump(pipe: Pipe, budget: number): void {
    while (pipe.queue.length > 0 && budget > 0) {
      const head = pipe.queue[0]!;
      const piece = head.length <= budget ? head : head.subarray(0, budget);
      if (piece === head) pipe.queue.shift();
      else pipe.queue[0] = head.subarray(budget);
      budget -= piece.length;
      pipe.queued -= piece.length;
      forwarded += piece.length;
      pipe.to.write(piece);
    }
    if (pipe.queued < MAX_QUEUED) pipe.from.resume();
  }

  const timer = setInterval(() => {
    for (const pipe of pipes) pump(pipe, rate === null ? Infinity : Math.max(1, Math.round((rate * TICK_MS) / 1000)));
  }, TICK_MS);

  const server = createServer((client) => {
    const upstream = connect(target);
    const [from, to] = throttled === 'toServer' ? [client, upstream] : [upstream, client];
    const pipe: Pipe = { from, to, queue: [], queued: 0 };
    pipes.add(pipe);
    from.on('data', (chunk: Buffer) => {
      pipe.queue.push(chunk);
      pipe.queued += chunk.length;
      if (rate === null) pump(pipe, Infinity);
      else if (pipe.queued >= MAX_QUEUED) from.pause();
    });
    to.pipe(from);
    const end = () => {
      pipes.delete(pipe);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
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
      for (const pipe of pipes) {
        pipe.from.destroy();
        pipe.to.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
