import WebSocket from 'ws';
import { connectClient, type TsworldClient, type WebSocketConstructor } from '../../src/client/index.ts';

/**
 * One process of the ccu bench's idle clients (started by ccu-suite.ts): 'connect' opens `count`
 * connections, `concurrency` at a time, and answers 'connected' with how long that took ('ready' comes first, once loaded). tsworld clients
 * are the SDK's (HELLO, a boot entity, heartbeats at the SDK's default period); raw ones are bare `ws`
 * sockets. Closes everything and exits when the channel closes.
 */
type Request = { op: 'connect'; kind: 'tsworld' | 'raw'; url: string; count: number; concurrency: number };

function openRaw(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function openTsworld(url: string): Promise<TsworldClient> {
  const client = await connectClient({ url, WebSocket: WebSocket as unknown as WebSocketConstructor });
  await client.waitForPlayer();
  return client;
}

function main(): void {
  const open: Array<{ close(): void }> = [];
  process.on('message', (request: Request) => {
    const t0 = performance.now();
    let cursor = 0;
    const worker = async () => {
      while (cursor < request.count) {
        cursor++;
        open.push(request.kind === 'raw' ? await openRaw(request.url) : await openTsworld(request.url));
      }
    };
    Promise.all(Array.from({ length: Math.min(request.concurrency, request.count) }, worker)).then(
      () => process.send?.({ op: 'connected', ms: performance.now() - t0, count: request.count }),
      (err: unknown) => process.send?.({ op: 'failed', error: String(err) }),
    );
  });
  process.send?.({ op: 'ready' });
  process.on('disconnect', () => {
    for (const c of open) c.close();
    setTimeout(() => process.exit(0), 200);
  });
}

main();
