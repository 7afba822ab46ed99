import { Redis } from 'ioredis';
import { TsworldError } from '../core/errors.ts';

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  readonly url: string;
  /** Put in front of every key, so several deployments can share one server. No braces (they are hash tags). */
  readonly prefix?: string;
  /** A command with no answer after this long fails (a half-open connection must not hold a save for ever). */
  readonly commandTimeoutMs?: number;
  /**
   * Operations sent at once; more wait here, unsent. The command timeout starts when a command is sent,
   * so without a window a burst (a game saving 100k entities at its save interval) would time out its
   * own tail behind the commands ahead of it.
   */
  readonly maxInFlight?: number;
}

export const REDIS_DEFAULTS = { prefix: 'tsworld:', commandTimeoutMs: 5_000, maxInFlight: 4_096 } as const;

/** Reconnect delays: 100 ms doubling up to 2 s, for as long as the store is open. */
const reconnectDelay = (attempt: number): number => Math.min(50 * 2 ** Math.min(attempt, 6), 2_000);

export interface RedisConnection {
  readonly client: Redis;
  readonly prefix: string;
  /** Wraps a failure in STORAGE_FAILURE, with the last connection error when there was one. */
  failure(what: string, err: unknown): TsworldError;
  /** Runs `op` (one store operation, a command or two) inside the in-flight window. */
  windowed<T>(op: () => Promise<T>): Promise<T>;
  /** Drops the connection and stops reconnecting. */
  close(): void;
}

/**
 * One ioredis client per store. Commands never wait for ever while the server is away: a command
 * issued while disconnected waits for one reconnect attempt (maxRetriesPerRequest 1), then fails, and a
 * command sent on a connection that stopped answering fails after `commandTimeoutMs`. Retrying is the
 * caller's business (the game's save-retry layer), which keeps the game's tick free of Redis entirely.
 */
export function openRedis(options: RedisStoreOptions): RedisConnection {
  if (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
    throw new TsworldError('INVALID_ARGUMENT', `Redis url must start with redis:// or rediss://, got ${JSON.stringify(options.url)}`);
  }
  const prefix = options.prefix ?? REDIS_DEFAULTS.prefix;
  if (/[{}]/.test(prefix)) throw new TsworldError('INVALID_ARGUMENT', `Redis prefix must not contain braces (hash tags), got ${JSON.stringify(prefix)}`);
  const client = new Redis(options.url, {
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? REDIS_DEFAULTS.commandTimeoutMs,
    connectTimeout: options.commandTimeoutMs ?? REDIS_DEFAULTS.commandTimeoutMs,
    retryStrategy: reconnectDelay,
  });
  let lastError: Error | undefined;
  const maxInFlight = options.maxInFlight ?? REDIS_DEFAULTS.maxInFlight;
  let inFlight = 0;
  // A queue with a moving head: shift() on a 100k-long array is a copy each time.
  let waiting: (() => void)[] = [];
  let head = 0;
  const wakeNext = (): void => {
    if (head >= waiting.length) return;
    const next = waiting[head++]!;
    if (head > 1024 && head * 2 > waiting.length) {
      waiting = waiting.slice(head);
      head = 0;
    }
    next();
  };
  const release = (): void => {
    inFlight--;
    wakeNext();
  };
  // ioredis reports connection errors as events (an unheard one is printed raw); each failed command
  // carries the latest one in its message instead.
  client.on('error', (err: Error) => {
    lastError = err;
  });
  client.on('ready', () => {
    lastError = undefined;
  });
  return {
    client,
    prefix,
    failure(what, err) {
      if (err instanceof TsworldError) return err;
      const text = err instanceof Error ? err.message : String(err);
      const connection = lastError && lastError.message !== text ? ` (connection: ${lastError.message})` : '';
      return new TsworldError('STORAGE_FAILURE', `Redis ${what} failed: ${text}${connection}`, { cause: err });
    },
    async windowed(op) {
      if (inFlight >= maxInFlight) {
        await new Promise<void>((resolve) => waiting.push(resolve));
        // A lost connection fails what is in flight one reconnect attempt at a time: what waited behind
        // it fails at once instead of queueing for each attempt in turn.
        if (client.status === 'reconnecting') {
          wakeNext();
          throw new Error(`not connected (${lastError?.message ?? 'reconnecting'})`);
        }
      }
      inFlight++;
      try {
        return await op();
      } finally {
        release();
      }
    },
    close() {
      client.disconnect(false);
    },
  };
}
