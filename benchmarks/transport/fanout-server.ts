import type { ClientConnection, ClientServer, ClientTransport } from '../../src/transport/index.ts';

export type SendMode = 'per-message' | 'corked';

export interface FanoutServer {
  readonly server: ClientServer;
  readonly url: string;
  readonly connections: readonly ClientConnection[];
  /**
   * One round: every message to every connection, then waits until each connection's buffer has been
   * handed to the kernel. Returns the milliseconds that took and how many sends reported backpressure.
   */
  round(messages: readonly Uint8Array[], mode: SendMode): Promise<{ ms: number; backpressured: number }>;
  /** Resolves once `count` clients are open. */
  waitForClients(count: number): Promise<void>;
  stop(): Promise<void>;
}

/** A gate-like server on the ClientTransport seam that only fans out; client messages are ignored. */
export async function startFanoutServer(transport: ClientTransport): Promise<FanoutServer> {
  const connections: ClientConnection[] = [];
  let onCountChange: (() => void) | null = null;
  const server = await transport.listen({
    host: '127.0.0.1',
    port: 0,
    // Rounds are paced by the suite, never by a client reading slowly: no send should ever be dropped.
    maxBackpressure: 64 * 1024 * 1024,
    idleTimeoutSec: 0,
    onOpen(connection) {
      connections.push(connection);
      onCountChange?.();
    },
    onMessage() {},
    onClose(connection) {
      const at = connections.indexOf(connection);
      if (at >= 0) connections.splice(at, 1);
    },
  });

  return {
    server,
    url: `ws://127.0.0.1:${server.port}/ws`,
    connections,
    async round(messages, mode) {
      let backpressured = 0;
      let dropped = 0;
      const t0 = performance.now();
      for (const connection of connections) {
        const sendAll = (): void => {
          for (const message of messages) {
            const result = connection.send(message);
            if (result === 'backpressure') backpressured++;
            else if (result === 'dropped') dropped++;
          }
        };
        if (mode === 'corked') connection.cork(sendAll);
        else sendAll();
      }
      await drained(connections);
      const ms = performance.now() - t0;
      if (dropped > 0) throw new Error(`${dropped} sends dropped by ${transport.kind}`);
      return { ms, backpressured };
    },
    waitForClients(count) {
      return new Promise((resolve) => {
        const check = (): void => {
          if (connections.length < count) return;
          onCountChange = null;
          resolve();
        };
        onCountChange = check;
        check();
      });
    },
    stop: () => server.stop(),
  };
}

/**
 * Yields to the event loop until nothing is queued above the kernel. uWS writes synchronously (send says
 * 'backpressure' otherwise); `ws` goes through Node streams, which may still hold bytes after `send`.
 */
async function drained(connections: readonly ClientConnection[]): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (connections.some((c) => c.bufferedAmount > 0)) {
    if (performance.now() > deadline) throw new Error('send buffers did not drain within 10 s');
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
