import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type {
  ClientConnection,
  ClientListenOptions,
  ClientServer,
  ClientTransport,
  SendResult,
} from '../../src/transport/client-transport.ts';
import { createUwsTransport, loadUws } from '../../src/transport/uws-transport.ts';
import { createWsTransport } from '../../src/transport/ws-transport.ts';

/**
 * One suite, every implementation of the client Transport seam, real sockets on 127.0.0.1.
 */
const HOST = '127.0.0.1';
const loaded = await loadUws();
const implementations: Array<[string, () => ClientTransport, boolean]> = [
  ['uws', () => createUwsTransport(loaded!.uws), loaded?.native === true],
  ['ws', () => createWsTransport(), true],
];

let root = '';
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tsworld-static-'));
  mkdirSync(join(root, 'public', 'sub'), { recursive: true });
  writeFileSync(join(root, 'public', 'index.html'), '<h1>tsworld</h1>');
  writeFileSync(join(root, 'public', 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'public', 'sub', 'index.html'), 'sub page');
  writeFileSync(join(root, 'secret.txt'), 'TOP SECRET');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Harness {
  server: ClientServer;
  opened: ClientConnection[];
  received: Array<[number, number[]]>;
  closes: Array<[number, number, string]>;
  drains: number[];
}

interface TestClient {
  ws: WebSocket;
  messages: Uint8Array[];
  closed: Promise<{ code: number; reason: string }>;
}

function openClient(port: number, path = '/ws'): Promise<TestClient> {
  const ws = new WebSocket(`ws://${HOST}:${port}${path}`);
  const messages: Uint8Array[] = [];
  ws.binaryType = 'nodebuffer';
  ws.on('message', (data) => messages.push(new Uint8Array(data as Buffer)));
  ws.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((r) =>
    ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
  );
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, closed }));
    ws.once('error', reject);
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function httpGet(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: HOST, port, path, method: 'GET', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(implementations)('client transport contract: %s', (_name, make, available) => {
  let harness: Harness | null = null;
  afterEach(async () => {
    await harness?.server.stop();
    harness = null;
  });

  async function start(overrides: Partial<ClientListenOptions> = {}): Promise<Harness> {
    const h: Harness = { server: null!, opened: [], received: [], closes: [], drains: [] };
    h.server = await make().listen({
      host: HOST,
      port: 0,
      maxPayload: 1024,
      staticDir: join(root, 'public'),
      onOpen: (c) => h.opened.push(c),
      onMessage: (c, m) => h.received.push([c.id, Array.from(m)]),
      onClose: (c, code, reason) => h.closes.push([c.id, code, reason]),
      onDrain: (c) => h.drains.push(c.id),
      ...overrides,
    });
    harness = h;
    return h;
  }

  it.skipIf(!available)('opens, receives binary messages, and reports the client close code', async () => {
    const h = await start();
    expect(h.server.port).toBeGreaterThan(0);
    const client = await openClient(h.server.port);
    await until(() => h.opened.length === 1, 'open');
    const conn = h.opened[0];
    expect(conn.remoteAddress).toMatch(/127\.0\.0\.1/);
    expect(h.server.connectionCount).toBe(1);
    client.ws.send(Uint8Array.from([1, 2, 3]));
    await until(() => h.received.length === 1, 'message');
    expect(h.received[0]).toEqual([conn.id, [1, 2, 3]]);
    client.ws.close(4100, 'bye');
    await until(() => h.closes.length === 1, 'close');
    expect(h.closes[0]).toEqual([conn.id, 4100, 'bye']);
    expect(conn.closed).toBe(true);
    expect(conn.send(Uint8Array.from([1]))).toBe('dropped');
    expect(h.server.connectionCount).toBe(0);
  });

  it.skipIf(!available)("keeps the user's userData on the connection from open to close, null until set", async () => {
    const seen: unknown[] = [];
    let id = -1;
    const h = await start({
      onOpen(c) {
        seen.push(c.userData);
        id = c.id;
        c.userData = { mine: c.id };
      },
      onMessage: (c) => seen.push(c.userData),
      onClose: (c) => seen.push(c.userData),
    });
    const client = await openClient(h.server.port);
    client.ws.send(Uint8Array.from([1]));
    await until(() => seen.length === 2, 'message');
    client.ws.close(1000);
    await until(() => seen.length === 3, 'close');
    expect(seen).toEqual([null, { mine: id }, { mine: id }]);
  });

  it.skipIf(!available)('echoes binary and keeps message ownership with the handler', async () => {
    const kept: Uint8Array[] = [];
    const h = await start({
      onMessage(c, m) {
        kept.push(m);
        expect(c.send(m)).not.toBe('dropped');
      },
    });
    const client = await openClient(h.server.port);
    for (let i = 0; i < 3; i++) client.ws.send(Uint8Array.from([i, i, i, i]));
    await until(() => client.messages.length === 3, 'echo');
    expect(client.messages.map((m) => Array.from(m))).toEqual([[0, 0, 0, 0], [1, 1, 1, 1], [2, 2, 2, 2]]);
    // Handlers may keep the bytes: later messages must not have overwritten earlier ones.
    expect(kept.map((m) => Array.from(m))).toEqual([[0, 0, 0, 0], [1, 1, 1, 1], [2, 2, 2, 2]]);
  });

  it.skipIf(!available)('delivers many messages in order, both ways, with corked sends', async () => {
    const h = await start();
    const client = await openClient(h.server.port);
    await until(() => h.opened.length === 1, 'open');
    const N = 2000;
    for (let i = 0; i < N; i++) client.ws.send(Uint8Array.from([i & 0xff, i >> 8]));
    const conn = h.opened[0];
    conn.cork(() => {
      for (let i = 0; i < N; i++) expect(conn.send(Uint8Array.from([i >> 8, i & 0xff]))).not.toBe('dropped');
    });
    await until(() => h.received.length === N && client.messages.length === N, 'all messages');
    expect(h.received.map(([, m]) => m[0] | (m[1] << 8))).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(client.messages.map((m) => (m[0] << 8) | m[1])).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it.skipIf(!available)('refuses a message over maxPayload by closing with 1009', async () => {
    const h = await start();
    const client = await openClient(h.server.port);
    client.ws.send(new Uint8Array(1024));
    client.ws.send(new Uint8Array(2048));
    const { code } = await client.closed;
    expect(code).toBe(1009);
    await until(() => h.closes.length === 1, 'server close');
    expect(h.received.map(([, m]) => m.length)).toEqual([1024]);
  });

  it.skipIf(!available)('refuses a grossly oversize message by closing the connection', async () => {
    const h = await start();
    const client = await openClient(h.server.port);
    client.ws.send(new Uint8Array(64 * 1024));
    // uWS cuts the connection at the frame level (1006); ws closes with 1009. Either way nothing is delivered.
    expect([1006, 1009]).toContain((await client.closed).code);
    await until(() => h.closes.length === 1, 'server close');
    expect(h.received).toEqual([]);
  });

  it.skipIf(!available)('refuses text messages with 4000', async () => {
    const h = await start();
    const client = await openClient(h.server.port);
    client.ws.send('hello');
    expect((await client.closed).code).toBe(4000);
    expect(h.received).toEqual([]);
  });

  it.skipIf(!available)('closes from the server with a code and reason the client sees', async () => {
    const h = await start();
    const client = await openClient(h.server.port);
    await until(() => h.opened.length === 1, 'open');
    h.opened[0].close(4004, 'rate limit');
    h.opened[0].close(4005, 'second close is ignored');
    expect(await client.closed).toEqual({ code: 4004, reason: 'rate limit' });
    await until(() => h.closes.length === 1, 'server close event');
    expect(h.closes[0][1]).toBe(4004);
  });

  it.skipIf(!available)('closes a client whose handler throws with 1011, and keeps serving others', async () => {
    const h = await start({
      onMessage(c, m) {
        if (m[0] === 0xff) throw new Error('handler bug');
        c.send(m);
      },
    });
    const bad = await openClient(h.server.port);
    const good = await openClient(h.server.port);
    bad.ws.send(Uint8Array.from([0xff]));
    expect((await bad.closed).code).toBe(1011);
    good.ws.send(Uint8Array.from([1]));
    await until(() => good.messages.length === 1, 'echo on the healthy connection');
  });

  it.skipIf(!available)('serves static files with content types, 404s and refuses traversal', async () => {
    const h = await start();
    const port = h.server.port;
    expect(await httpGet(port, '/')).toEqual({ status: 200, type: 'text/html; charset=utf-8', body: '<h1>tsworld</h1>' });
    expect(await httpGet(port, '/app.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect(await httpGet(port, '/sub/')).toMatchObject({ status: 200, body: 'sub page' });
    expect((await httpGet(port, '/missing.html')).status).toBe(404);
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/sub/..%2f..%2fsecret.txt', '/..%5csecret.txt']) {
      const reply = await httpGet(port, path);
      expect(reply.status, path).toBe(403);
      expect(reply.body).not.toContain('SECRET');
    }
  });

  it.skipIf(!available)('answers 404 to HTTP when no static directory is configured', async () => {
    const h = await start({ staticDir: undefined });
    expect((await httpGet(h.server.port, '/')).status).toBe(404);
  });

  it.skipIf(!available)('reports backpressure, drops past the bound, and drains when the client reads', async () => {
    const h = await start({ maxBackpressure: 256 * 1024 });
    // A raw client that completes the handshake and then stops reading.
    const raw = netConnect({ host: HOST, port: h.server.port });
    raw.on('error', () => undefined);
    await new Promise<void>((r) => raw.once('connect', () => r()));
    raw.write(
      'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await until(() => h.opened.length === 1, 'open');
    raw.pause();
    const conn = h.opened[0];
    const chunk = new Uint8Array(64 * 1024);
    const results: SendResult[] = [];
    for (let i = 0; i < 2000 && results[results.length - 1] !== 'dropped'; i++) {
      results.push(conn.send(chunk));
      if (i % 16 === 15) await new Promise((r) => setImmediate(r));
    }
    expect(results).toContain('backpressure');
    expect(results[results.length - 1]).toBe('dropped');
    expect(conn.bufferedAmount).toBeGreaterThan(0);
    raw.resume();
    await until(() => h.drains.includes(conn.id), 'drain');
    raw.destroy();
  });

  it.skipIf(!available)('stop() closes every connection with 1001 and stops listening', async () => {
    const h = await start();
    const clients = await Promise.all([openClient(h.server.port), openClient(h.server.port)]);
    await until(() => h.opened.length === 2, 'opens');
    await h.server.stop();
    harness = null;
    for (const c of clients) expect((await c.closed).code).toBe(1001);
    expect(h.closes.map(([, code]) => code)).toEqual([1001, 1001]);
    expect(h.server.connectionCount).toBe(0);
    await expect(openClient(h.server.port)).rejects.toBeDefined();
  });
});
