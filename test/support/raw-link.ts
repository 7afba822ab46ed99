import { connect, type Socket } from 'node:net';
import { createFrameParser } from '../../src/protocol/frame-parser.ts';
import { createWaiter } from './waiter.ts';

/**
 * A raw TCP client of a dispatcher's internal port, writing frames by hand (u32 LE payload length ·
 * u16 LE type · body, SPEC.md "Framing"), for peers that no game or gate would be: a forged hello, a
 * wrong proof. Everything the dispatcher sends back is recorded.
 */
export interface RawLink {
  readonly frames: { type: number; body: Uint8Array }[];
  readonly closed: Promise<void>;
  readonly isClosed: () => boolean;
  send(type: number, body: Uint8Array): void;
  /** The first frame of `type` (waits for it; rejects after `ms`). */
  frame(type: number, ms?: number): Promise<Uint8Array>;
  destroy(): void;
}

export function rawFrame(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 2 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 2 + body.length, true);
  view.setUint16(4, type, true);
  out.set(body, 6);
  return out;
}

export async function connectRawLink(host: string, port: number): Promise<RawLink> {
  const socket: Socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  const frames: { type: number; body: Uint8Array }[] = [];
  const arrived = createWaiter();
  let closed = false;
  const parser = createFrameParser({
    onFrame(type, body) {
      frames.push({ type, body: body.slice() });
      arrived.poke();
    },
  });
  socket.on('data', (chunk) => parser.push(chunk));
  const closedPromise = new Promise<void>((resolve) =>
    socket.on('close', () => {
      closed = true;
      arrived.poke();
      resolve();
    }),
  );
  return {
    frames,
    closed: closedPromise,
    isClosed: () => closed,
    send: (type, body) => void socket.write(rawFrame(type, body)),
    async frame(type, ms = 15_000) {
      const found = () => frames.find((f) => f.type === type)?.body;
      await arrived.waitFor(() => found() !== undefined || closed, `frame type ${type}`, ms);
      const body = found();
      if (body === undefined) throw new Error(`the link closed before a frame of type ${type} arrived`);
      return body;
    },
    destroy: () => socket.destroy(),
  };
}
