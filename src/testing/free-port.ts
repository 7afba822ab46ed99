import { createServer, type Server } from 'node:net';

/** A port the OS just handed out and released; good enough for loopback tests and benches on one machine. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/**
 * `count` distinct ports. Each is held open until all are taken: ports asked for one at a time, and
 * released in between, can come back twice (a deployment's config then names one port for two
 * listeners, and `tsworld start` refuses it).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(await listenOnAny(server));
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  }
}

function listenOnAny(server: Server): Promise<number> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done((server.address() as { port: number }).port));
  });
}
