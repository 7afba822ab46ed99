import type { TsworldError } from '../core/errors.ts';
import { connectLink } from './link-net.ts';
import type { ConnectLinkOptions } from './link-net.ts';
import type { Link } from './link.ts';

export interface ReconnectOptions extends ConnectLinkOptions {
  /** Called with each new link, after every (re)connect; the place to send the handshake. */
  onConnect(link: Link): void;
  /** Called when a connect attempt fails, before waiting `delayMs`. */
  onRetry?(attempt: number, delayMs: number, error: TsworldError): void;
  /** First retry delay; default 100 ms. Doubles per failed attempt up to `maxDelayMs` (default 5 s). */
  minDelayMs?: number;
  maxDelayMs?: number;
}

export interface ReconnectingLink {
  /** The open link, or null while (re)connecting. */
  readonly link: Link | null;
  /** Stops reconnecting and closes the current link. */
  stop(): void;
}

/**
 * Keeps a link to a dispatcher open: reconnects with bounded exponential backoff after a failed connect
 * or a closed link, until `stop()`. The backoff resets after a successful connect.
 */
export function keepLinkOpen(options: ReconnectOptions): ReconnectingLink {
  const minDelayMs = options.minDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 5000;
  let current: Link | null = null;
  let stopped = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  function schedule(delayMs: number): void {
    timer = setTimeout(() => {
      timer = null;
      void tryConnect();
    }, delayMs);
  }

  async function tryConnect(): Promise<void> {
    if (stopped) return;
    try {
      const link = await connectLink({
        ...options,
        onClose(closed, error) {
          if (current === closed) current = null;
          options.onClose?.(closed, error);
          if (!stopped) schedule(minDelayMs);
        },
      });
      if (stopped) {
        link.destroy();
        return;
      }
      attempt = 0;
      current = link;
      options.onConnect(link);
    } catch (error) {
      if (stopped) return;
      attempt++;
      const delayMs = Math.min(maxDelayMs, minDelayMs * 2 ** (attempt - 1));
      options.onRetry?.(attempt, delayMs, error as TsworldError);
      schedule(delayMs);
    }
  }

  void tryConnect();
  return {
    get link() {
      return current;
    },
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      current?.close();
      current = null;
    },
  };
}
