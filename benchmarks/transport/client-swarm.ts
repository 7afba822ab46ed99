import WebSocket from 'ws';
import type { SwarmReply, SwarmRequest } from './swarm-protocol.ts';

/**
 * The receiving side of the fan-out benchmark, in its own process (started by swarm-handle.ts) so that
 * decoding WebSocket frames on the client side never runs on the server's thread: the suite times the
 * server's send path only. Commands and replies go over the IPC channel; the process exits when the
 * channel closes.
 */
const OPEN_BATCH = 50;

function reply(message: SwarmReply): void {
  process.send?.(message);
}

interface Swarm {
  sockets: WebSocket[];
  counts: Int32Array;
  total: number;
  bytes: number;
  expected: number;
}

function openOne(url: string, index: number, swarm: Swarm): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.binaryType = 'nodebuffer';
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.on('message', (data: Buffer) => {
      swarm.counts[index]++;
      swarm.bytes += data.length;
      if (++swarm.total === swarm.expected) report(swarm);
    });
  });
}

function report(swarm: Swarm): void {
  let min = Infinity;
  let max = 0;
  for (const c of swarm.counts) {
    min = Math.min(min, c);
    max = Math.max(max, c);
  }
  reply({ op: 'reached', total: swarm.total, bytes: swarm.bytes, perClientMin: min, perClientMax: max });
}

async function connect(url: string, count: number): Promise<Swarm> {
  const swarm: Swarm = { sockets: [], counts: new Int32Array(count), total: 0, bytes: 0, expected: -1 };
  // A few dozen handshakes at a time: hundreds at once overflow the accept backlog and retry slowly.
  for (let i = 0; i < count; i += OPEN_BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + OPEN_BATCH); j++) batch.push(openOne(url, j, swarm));
    swarm.sockets.push(...(await Promise.all(batch)));
  }
  return swarm;
}

function main(): void {
  let swarm: Swarm | null = null;
  process.on('message', (request: SwarmRequest) => {
    switch (request.op) {
      case 'connect':
        for (const socket of swarm?.sockets ?? []) socket.terminate();
        swarm = null;
        connect(request.url, request.count).then(
          (s) => {
            swarm = s;
            reply({ op: 'connected', count: s.sockets.length });
          },
          (err: unknown) => reply({ op: 'failed', error: String(err) }),
        );
        return;
      case 'expect':
        if (swarm === null) return reply({ op: 'failed', error: 'expect before connect' });
        swarm.expected = request.total;
        if (swarm.total >= request.total) report(swarm);
        return;
    }
  });
  process.on('disconnect', () => {
    for (const socket of swarm?.sockets ?? []) socket.terminate();
    process.exit(0);
  });
}

main();
