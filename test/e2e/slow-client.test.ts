import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRONES } from '../fixtures/overload-game.ts';
import { testClient, type TestClient } from '../support/clients.ts';
import { BOT_SWARM_ADMISSION, repoRoot, startDeployment, type TestDeployment } from '../support/deployment.ts';
import { scrape } from '../support/role-processes.ts';

/** Low enough that a client that stops reading for a few seconds crosses them. */
const GATE = { ...BOT_SWARM_ADMISSION, clientCoalesceBytes: 16 * 1024, clientSendBufferBytes: 1024 * 1024 };
/** One flood step: 32 reliable calls of 4000 characters (~128 KiB). */
const STEP = { n: 32, size: 4000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls a gate metric until it is positive (metrics are read over HTTP, so this cannot be event-driven). */
async function metricAppears(port: number, name: string, labels: Record<string, string>, what: string): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = (await scrape(port, name, labels)) ?? 0;
    if (value > 0) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** A `ws` whose TCP socket the test can stop and start reading, as a client on a congested network. */
function pausable(): { WebSocket: new (url: string) => WebSocket; pause(): void; resume(): void } {
  let socket: WebSocket | undefined;
  const raw = () => (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  return {
    WebSocket: class extends WebSocket {
      constructor(url: string) {
        super(url);
        socket = this;
      }
    },
    pause: () => raw().pause(),
    resume: () => raw().resume(),
  };
}

describe('a client that reads too slowly', () => {
  let d: TestDeployment;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    d = await startDeployment({ entry: join(repoRoot, 'test', 'fixtures', 'overload-game.ts'), games: 1, gates: 1, gateDefaults: GATE, metrics: true });
  });

  afterAll(async () => {
    for (const c of clients.splice(0)) c.close();
    await d?.stop();
  });

  async function connect(ws?: new (url: string) => WebSocket): Promise<TestClient> {
    const c = await testClient(d.wsUrls[0], ws ? { WebSocket: ws } : {});
    clients.push(c);
    await c.waitForPlayer();
    await c.waitFor(() => [...c.entities.values()].filter((e) => e.typeName === 'Drone').length === DRONES || undefined, 'every drone in view');
    return c;
  }

  it('gets its positions coalesced (newest per entity) and keeps every reliable message, in order', async () => {
    const slow = pausable();
    const c = await connect(slow.WebSocket);
    const probe = [...c.entities.values()].find((e) => e.typeName === 'Drone')!;
    const xs: number[] = [];
    c.on('positions', (moved) => {
      if (moved.includes(probe)) xs.push(probe.x);
    });
    const gateMetrics = d.config.gates[0].metricsPort!;
    slow.pause();
    // It stops reading. Reliable calls fill the kernel's socket buffers (a few MiB on loopback), step by
    // step, until the gate holds more than clientCoalesceBytes for it: from then on its positions are held.
    let floods = 0;
    for (let seq = 1; ((await scrape(gateMetrics, 'tsworld_stream_records_total', { outcome: 'coalesced' })) ?? 0) === 0; seq++) {
      expect(floods, 'coalescing starts before 64 MiB were sent').toBeLessThan(512);
      c.call(c.player!.id, 'flood', STEP.n, STEP.size);
      c.call(c.player!.id, 'echo', seq);
      floods++;
      await sleep(200);
    }
    // Held for a while longer: more positions superseded, nothing reliable dropped.
    await sleep(2000);
    expect(await scrape(gateMetrics, 'tsworld_refused_total', { limit: 'backpressure' })).toBeNull();
    slow.resume();
    await c.waitCall('onEcho', (args) => args[0] === floods, 60_000);
    expect(c.calls.filter((k) => k.method === 'onEcho').map((k) => k.args[0])).toEqual(Array.from({ length: floods }, (_, i) => i + 1));
    expect(c.calls.filter((k) => k.method === 'onFlood')).toHaveLength(floods * STEP.n);
    expect(c.closed).toBeNull();
    // Positions never went backwards, and it now sees where the game has the drone.
    for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThanOrEqual(xs[i - 1]);
    c.call(c.player!.id, 'echo', floods + 1);
    const reply = await c.waitCall('onEcho', (args) => args[0] === floods + 1);
    expect(Math.abs(probe.x - (reply.args[1] as number))).toBeLessThan(0.5);
  }, 110_000);

  it('is closed with 4007 when even its reliable messages do not fit, never skipped silently', async () => {
    const slow = pausable();
    const c = await connect(slow.WebSocket);
    const other = await connect();
    slow.pause();
    // 40 MiB of calls it cannot take: more than the kernel and clientSendBufferBytes hold.
    c.call(c.player!.id, 'flood', 10_000, 4000);
    await metricAppears(d.config.gates[0].metricsPort!, 'tsworld_refused_total', { limit: 'backpressure' }, 'the backpressure refusal');
    slow.resume();
    await c.waitFor(() => c.closed ?? undefined, 'the close', 30_000);
    expect(c.closed!.code).toBe(4007);
    // Every call that did arrive arrived in order, with nothing skipped before the close.
    const got = c.calls.filter((k) => k.method === 'onFlood').map((k) => k.args[0] as number);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i + 1));
    expect(got.length).toBeLessThan(10_000);
    // The others are unaffected.
    other.call(other.player!.id, 'echo', 1);
    await other.waitCall('onEcho', (args) => args[0] === 1);
  }, 90_000);
});
