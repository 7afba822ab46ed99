import { createServer } from 'node:net';
import { join } from 'node:path';
import WebSocket, { type ClientOptions } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/deployment-schema.ts';
import { testClient, type TestClient } from '../support/clients.ts';
import { repoRoot, startDeployment, type TestDeployment } from '../support/deployment.ts';
import { heartbeatMessage, openRawClient, UpgradeRefused, type RawClient } from '../support/raw-client.ts';

/**
 * Issue 7: a connection flood from one address. 5,000 WebSocket attempts from 127.0.0.1 against a gate
 * with the default admission limits (50 per address, 10 per second with bursts of 50) must be refused
 * at the upgrade (HTTP 429) beyond the per-address cap, while a player from another loopback address
 * still gets in and plays. At most IN_FLIGHT attempts are open at once, so the test stays well inside
 * a 1024-descriptor limit (in flight + the ~50 held + the deployment's own links).
 */

const ATTEMPTS = 5_000;
const IN_FLIGHT = 200;
const PER_IP = DEFAULTS.gate.maxConnectionsPerIp;
const OTHER_ADDRESS = '127.0.0.2';
const entry = join(repoRoot, 'examples', 'chatroom', 'game', 'main.ts');

/** ws's WebSocket, connecting from 127.0.0.2: the SDK takes a constructor of one argument. */
class FromOtherAddress extends WebSocket {
  constructor(url: string, protocols?: string | string[], options?: ClientOptions) {
    super(url, protocols ?? [], { ...options, localAddress: OTHER_ADDRESS });
  }
}

/** Whether this machine lets a socket bind 127.0.0.2 (any 127/8 address is loopback on Linux). */
function canBind(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(0, address, () => server.close(() => resolve(true)));
  });
}

async function refusedCounts(metricsPort: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/^tsworld_refused_total\{([^}]*)\} (\d+(?:\.\d+)?)$/gm)) {
    const limit = /limit="([^"]+)"/.exec(m[1])?.[1];
    if (limit) counts.set(limit, Number(m[2]));
  }
  return counts;
}

describe('a connection flood from one address', () => {
  let d: TestDeployment;
  const held: RawClient[] = [];
  const sdk: TestClient[] = [];
  let heartbeat: ReturnType<typeof setInterval> | undefined;

  beforeAll(async () => {
    // Admission limits stay at their defaults; games: 1 keeps the deployment small.
    d = await startDeployment({ entry, games: 1, gates: 1, metrics: true });
  });

  afterAll(async () => {
    clearInterval(heartbeat);
    for (const c of sdk) c.close();
    await Promise.all(held.map((c) => c.close()));
    await d?.stop();
  });

  it(`refuses ${ATTEMPTS} attempts from 127.0.0.1 beyond ${PER_IP} open connections with 429`, async () => {
    const url = d.wsUrls[0];
    const refused = new Map<number | string, number>();
    let open = 0;
    let maxOpen = 0;
    let next = 0;
    const started = Date.now();
    // Accepted connections complete HELLO and keep beating, so the gate holds them for the whole test.
    heartbeat = setInterval(() => held.forEach((c) => c.send(heartbeatMessage())), 5_000);

    const attempt = async () => {
      try {
        const client = await openRawClient(url, { hello: true, timeoutMs: 30_000 });
        held.push(client);
        maxOpen = Math.max(maxOpen, ++open);
        client.ws.once('close', () => open--);
      } catch (err) {
        const key = err instanceof UpgradeRefused && err.status !== null ? err.status : (err as Error).message;
        refused.set(key, (refused.get(key) ?? 0) + 1);
      }
    };
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < ATTEMPTS) {
          next++;
          await attempt();
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    console.log(`connection flood: ${ATTEMPTS} attempts in ${seconds.toFixed(1)} s: ${held.length} accepted, refused ${JSON.stringify([...refused])}, at most ${maxOpen} open`);

    expect(held.length + [...refused.values()].reduce((a, b) => a + b, 0)).toBe(ATTEMPTS);
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThanOrEqual(PER_IP);
    expect(maxOpen).toBeLessThanOrEqual(PER_IP);
    // None was dropped meanwhile (a freed slot would have let one more in: the cap held at every moment).
    expect(held.filter((c) => c.closed !== null).map((c) => c.closed)).toEqual([]);
    // Every refusal is an HTTP 429 at the upgrade: no reset, no 5xx, no half-open socket.
    expect([...refused.keys()]).toEqual([429]);

    const counts = await refusedCounts(d.config.gates[0].metricsPort!);
    const atAdmission = (counts.get('connections-per-ip') ?? 0) + (counts.get('connect-rate') ?? 0);
    expect(counts.get('connections-per-ip') ?? 0).toBeGreaterThan(0);
    expect(atAdmission).toBe(refused.get(429));

    const status = await d.status();
    expect(status.processes.every((p) => p.alive)).toBe(true);
  }, 120_000);

  it('still admits a player from another address while the flood holds its connections', async (ctx) => {
    if (!(await canBind(OTHER_ADDRESS))) ctx.skip(`cannot bind ${OTHER_ADDRESS} on this machine: the other-address client is not tested`);
    expect(held.length, 'the flood test ran first and holds its connections').toBeGreaterThan(0);
    expect(held.every((c) => c.closed === null)).toBe(true);
    // 127.0.0.1 is still at its cap...
    await expect(openRawClient(d.wsUrls[0], { hello: false })).rejects.toMatchObject({ status: 429 });
    // ...and another address is not.
    const c = await testClient(d.wsUrls[0], { WebSocket: FromOtherAddress });
    sdk.push(c);
    const account = await c.waitForPlayer();
    c.call(account.id, 'register', 'flooded', 'secret-f');
    expect((await c.waitCall('onRegister', () => true, 30_000)).args).toEqual([true, '']);
    c.call(account.id, 'login', 'flooded', 'secret-f');
    const me = await c.waitFor(() => c.player?.typeName === 'Avatar' && c.player, 'the avatar', 30_000);
    c.call(me.id, 'sendChat', 'hello through the flood');
    const heard = await c.waitCall('onChat', (args) => args[2] === 'hello through the flood', 20_000);
    expect(heard.args.slice(0, 2)).toEqual(['flooded', 'lobby']);

    const status = await d.status();
    expect(status.processes.every((p) => p.alive)).toBe(true);
  }, 90_000);
});
