import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePorts } from '../../../src/testing/free-port.ts';

describe('freePorts', () => {
  it('hands out distinct ports, each free to bind once returned', async () => {
    const ports = await freePorts(40);
    expect(new Set(ports).size).toBe(40);
    for (const port of ports.slice(0, 5)) {
      const server = createServer();
      await new Promise<void>((done, fail) => server.once('error', fail).listen(port, '127.0.0.1', () => done()));
      await new Promise((done) => server.close(done));
    }
  });
});
