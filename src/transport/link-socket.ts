/**
 * The part of a byte stream a Link uses. `node:net` sockets fit it as they are; the in-memory network
 * (memory-network.ts) implements it for whole clusters in one process. Keeping the Link on this seam
 * means both run the same framing, batching and backpressure code.
 */
export interface LinkSocket {
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly destroyed: boolean;
  /** Bytes written and not yet taken by the other side. */
  readonly writableLength: number;
  setNoDelay(noDelay?: boolean): unknown;
  /** False when the caller should wait for 'drain'; `done` runs once the bytes have been taken. */
  write(bytes: Uint8Array, done: () => void): boolean;
  /** Half-closes after everything written is delivered. */
  end(): unknown;
  destroy(): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'drain' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
