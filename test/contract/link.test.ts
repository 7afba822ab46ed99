import { createServer, connect as netConnect } from 'node:net';
import { deferred } from '../support/waiter.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TsworldError } from '../../src/core/errors.ts';
import { ProtocolError } from '../../src/protocol/wire-errors.ts';
import { createTcpLinkNetwork } from '../../src/transport/link-net.ts';
import type { LinkNetwork, LinkServer, ListenLinksOptions } from '../../src/transport/link-net.ts';
import { createMemoryNetwork } from '../../src/transport/memory-network.ts';

/**
 * One suite, every LinkNetwork: TCP on 127.0.0.1 and the in-memory network that createTestCluster runs
 * whole clusters on. Both put the same Link (framing, batching, bounds) on top of their byte streams.
 */
const HOST = '127.0.0.1';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});


/** A byte stream to write what no Link would. */
interface RawSocket {
  write(bytes: Uint8Array): unknown;
  destroy(): unknown;
  on(event: 'close', listener: () => void): unknown;
}

interface Harness {
  network: LinkNetwork;
  raw(port: number): RawSocket;
  /** A listener whose accepted sockets never read; resolves with its port. */
  stalledPeer(onSocket: (socket: RawSocket) => void): Promise<number>;
}

const networks: Array<[string, () => Harness]> = [
  [
    'tcp',
    () => ({
      network: createTcpLinkNetwork(),
      raw(port) {
        const socket = netConnect({ host: HOST, port });
        socket.on('error', () => undefined);
        return socket;
      },
      async stalledPeer(onSocket) {
        const raw = createServer((socket) => {
          socket.pause();
          onSocket(socket);
        });
        await new Promise<void>((r) => raw.listen(0, HOST, () => r()));
        cleanups.push(() => new Promise<void>((r) => raw.close(() => r())));
        return (raw.address() as { port: number }).port;
      },
    }),
  ],
  ...([['memory', 1460], ['memory, 7-byte reads', 7]] as const).map(([name, maxChunk]): [string, () => Harness] => [
    name,
    () => {
      const network = createMemoryNetwork({ maxChunk });
      return {
        network,
        raw: (port) => network.rawConnect(HOST, port),
        async stalledPeer(onSocket) {
          const listener = network.rawListen(HOST, 0, (socket) => onSocket(socket.pause()));
          cleanups.push(() => listener.close());
          return listener.port;
        },
      };
    },
  ]),
];

async function listenOn(net: Harness, options: Partial<ListenLinksOptions>): Promise<LinkServer> {
  const s = await net.network.listen({ host: HOST, port: 0, onFrame: () => undefined, ...options });
  cleanups.push(() => s.close());
  return s;
}

describe.each(networks)('internal link over %s', (_name, make) => {
  let net: Harness;
  beforeEach(() => {
    net = make();
  });
  const server = (options: Partial<ListenLinksOptions> = {}) => listenOn(net, options);

  it('delivers N sends + one flush in order, and batches until flush', async () => {
    const N = 1000;
    const got: Array<[number, number]> = [];
    const done = deferred<void>();
    const s = await server({
      onFrame(type, body) {
        got.push([type, new DataView(body.buffer, body.byteOffset).getUint32(0, true)]);
        if (got.length === N) done.resolve();
      },
    });
    const link = await net.network.connect({ host: HOST, port: s.port, onFrame: () => undefined });
    cleanups.push(() => link.destroy());
    const body = new Uint8Array(4);
    for (let i = 0; i < N; i++) {
      new DataView(body.buffer).setUint32(0, i, true);
      link.send(100 + (i % 900), body); // above the link layer's own types (LINK_ACK)
    }
    expect(link.batchedBytes).toBe(N * 10);
    expect(link.flush()).toBe(true);
    expect(link.batchedBytes).toBe(0);
    await done.promise;
    expect(got).toEqual(Array.from({ length: N }, (_, i) => [100 + (i % 900), i]));
  });

  it('carries frames both ways across several ticks', async () => {
    const s = await server({
      onFrame(type, body, link) {
        link.send(type + 1, body);
        link.flush();
      },
    });
    const replies: number[][] = [];
    const done = deferred<void>();
    const link = await net.network.connect({
      host: HOST,
      port: s.port,
      onFrame(type, body) {
        replies.push([type, ...body]);
        if (replies.length === 3) done.resolve();
      },
    });
    cleanups.push(() => link.destroy());
    for (let tick = 0; tick < 3; tick++) {
      link.sendParts(10 * tick, Uint8Array.from([tick]), Uint8Array.from([tick, tick]));
      link.flush();
    }
    await done.promise;
    expect(replies).toEqual([[1, 0, 0, 0], [11, 1, 1, 1], [21, 2, 2, 2]]);
  });

  it('reports malformed peer input as a typed error and closes, without crashing', async () => {
    const errors: TsworldError[] = [];
    const closed = deferred<TsworldError | null>();
    const s = await server({
      maxFrameSize: 1024,
      onError: (e) => errors.push(e),
      onClose: (_l, e) => closed.resolve(e),
    });
    const raw = net.raw(s.port);
    cleanups.push(() => raw.destroy());
    const peerClosed = new Promise<void>((r) => raw.on('close', () => r()));
    raw.write(Uint8Array.from([0xff, 0xff, 0xff, 0x7f, 1, 0, 1, 2, 3]));
    const error = await closed.promise;
    await peerClosed;
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).fault).toBe('frame-too-large');
    expect(errors.map((e) => e.code)).toEqual(['PROTOCOL_VIOLATION']);
    expect(s.links.size).toBe(0);
  });

  it('refuses a zero-length frame as malformed', async () => {
    const closed = deferred<TsworldError | null>();
    const s = await server({ onClose: (_l, e) => closed.resolve(e) });
    const raw = net.raw(s.port);
    cleanups.push(() => raw.destroy());
    raw.write(Uint8Array.from([0, 0, 0, 0]));
    expect(((await closed.promise) as ProtocolError).fault).toBe('frame-malformed');
  });

  it('reports a throwing frame handler and keeps delivering', async () => {
    const errors: TsworldError[] = [];
    const seen: number[] = [];
    const done = deferred<void>();
    const s = await server({
      onFrame(type) {
        if (type === 2) throw new Error('boom');
        seen.push(type);
        if (type === 3) done.resolve();
      },
      onError: (e) => errors.push(e),
    });
    const link = await net.network.connect({ host: HOST, port: s.port, onFrame: () => undefined });
    cleanups.push(() => link.destroy());
    for (const t of [1, 2, 3]) link.send(t, new Uint8Array(0));
    link.flush();
    await done.promise;
    expect(seen).toEqual([1, 3]);
    expect(errors.map((e) => e.code)).toEqual(['INVALID_STATE']);
  });

  it('bounds pending bytes when the peer stops reading: typed error and close', async () => {
    const stalled = deferred<RawSocket>();
    const port = await net.stalledPeer((socket) => stalled.resolve(socket));
    const errors: TsworldError[] = [];
    const closed = deferred<TsworldError | null>();
    const link = await net.network.connect({
      host: HOST,
      port,
      maxPendingBytes: 1024 * 1024,
      onFrame: () => undefined,
      onError: (e) => errors.push(e),
      onClose: (_l, e) => closed.resolve(e),
    });
    const peer = await stalled.promise;
    cleanups.push(() => peer.destroy());
    const chunk = new Uint8Array(256 * 1024);
    for (let i = 0; i < 4000 && !link.closed && errors.length === 0; i++) {
      link.send(1, chunk);
      link.flush();
      await new Promise((r) => setImmediate(r));
    }
    const error = await closed.promise;
    expect(error?.code).toBe('TRANSPORT_FAILURE');
    expect(errors[0].message).toMatch(/not reading/);
    expect(link.flush()).toBe(false);
  });

  it('close() flushes what is batched before ending', async () => {
    const got: number[] = [];
    const ended = deferred<void>();
    const s = await server({ onFrame: (t) => got.push(t), onClose: () => ended.resolve() });
    const link = await net.network.connect({ host: HOST, port: s.port, onFrame: () => undefined });
    link.send(7, new Uint8Array(3));
    link.send(8, new Uint8Array(0));
    link.close();
    await ended.promise;
    expect(got).toEqual([7, 8]);
  });

  it('server close() destroys open links', async () => {
    const s = await net.network.listen({ host: HOST, port: 0, onFrame: () => undefined });
    const closed = deferred<void>();
    const link = await net.network.connect({ host: HOST, port: s.port, onFrame: () => undefined, onClose: () => closed.resolve() });
    while (s.links.size === 0) await new Promise((r) => setTimeout(r, 5));
    await s.close();
    await closed.promise;
    expect(link.closed).toBe(true);
  });

  it('connect rejects with TRANSPORT_FAILURE when nobody listens', async () => {
    const s = await net.network.listen({ host: HOST, port: 0, onFrame: () => undefined });
    const port = s.port;
    await s.close();
    await expect(net.network.connect({ host: HOST, port, onFrame: () => undefined })).rejects.toMatchObject({
      code: 'TRANSPORT_FAILURE',
    });
  });
});

