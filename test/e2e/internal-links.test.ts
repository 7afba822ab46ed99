import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MSG, createPackr, createWireCodec } from '../../src/protocol/index.ts';
import { linkProof, newNonce, proofMatches } from '../../src/roles/shared/link-auth.ts';
import { startCounterDeployment, type CounterDeployment } from '../support/counter-deployment.ts';
import { tsworld } from '../support/deployment.ts';
import { spawnRoleProcess, writeSmallDeployment } from '../support/role-processes.ts';
import { connectRawLink, type RawLink } from '../support/raw-link.ts';

/**
 * Real processes (`tsworld start`) on loopback: the dispatcher's internal port takes only peers that
 * prove the cluster secret, a forged or wrong peer is refused, counted and logged, and the deployment
 * serves all along; every process answers /health and /ready; TSWORLD_* variables reach every process.
 */
const codec = createWireCodec({ packr: createPackr() });
const SECRET = 'e2e-cluster-secret-0123456789abcdef';
const DEADLINE_MS = 20_000;

interface WrittenConfig {
  dispatchers: { id: number; port: number; metricsPort?: number }[];
  games: { id: number; metricsPort?: number }[];
  gates: { id: number; metricsPort?: number }[];
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function deployment(sections: Record<string, unknown> = {}): Promise<{ c: CounterDeployment; config: WrittenConfig }> {
  const c = await startCounterDeployment({ metrics: true, sections });
  cleanups.push(() => c.stop());
  return { c, config: JSON.parse(readFileSync(join(c.d.dir, 'tsworld.config.json'), 'utf8')) as WrittenConfig };
}

async function raw(port: number): Promise<RawLink> {
  const link = await connectRawLink('127.0.0.1', port);
  cleanups.push(() => link.destroy());
  return link;
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), DEADLINE_MS)));
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

/** /ready turns 200 within the deadline (a game is ready at its first tick after DEPLOYMENT_READY). */
async function becomesReady(port: number): Promise<void> {
  const until = Date.now() + DEADLINE_MS;
  for (;;) {
    const { status, body } = await get(port, '/ready');
    if (status === 200) return;
    expect(status, body).toBe(503);
    if (Date.now() > until) throw new Error(`metrics port ${port}: still ${body}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The dispatcher's log once it holds a line matching `pattern` (log writes may land a moment later). */
async function logSays(c: CounterDeployment, pattern: RegExp): Promise<string> {
  const until = Date.now() + DEADLINE_MS;
  for (;;) {
    const log = readFileSync(join(c.d.dir, 'logs', 'dispatcher1.log'), 'utf8');
    if (pattern.test(log)) return log;
    if (Date.now() > until) throw new Error(`the dispatcher's log never said ${pattern}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function bumps(c: CounterDeployment, seq: number): Promise<void> {
  c.client.call(c.client.player!.id, 'bump', seq);
  await c.client.waitCall('onBump', (args) => args[0] === seq);
}

async function refusedLinkAuth(metricsPort: number): Promise<number> {
  const { body } = await get(metricsPort, '/metrics');
  const match = /^tsworld_refused_total\{[^}]*limit="link-auth"[^}]*\} (\d+)$/m.exec(body);
  return match ? Number(match[1]) : 0;
}

async function challenge(link: RawLink): Promise<Uint8Array> {
  const c = codec.decode(MSG.LINK_CHALLENGE, await link.frame(MSG.LINK_CHALLENGE.id));
  if (c instanceof Error) throw c;
  return c.nonce;
}

describe('internal links with a cluster secret (real processes)', () => {
  it('refuses a forged hello and a wrong secret, accepts the right one, and keeps serving', async () => {
    const { c, config } = await deployment({ cluster: { secret: SECRET } });
    const dispatcher = config.dispatchers[0]!;
    await bumps(c, 1);

    // A forged game: the hello first, as any process could before authentication existed.
    const forged = await raw(dispatcher.port);
    forged.send(MSG.SET_GAME_ID.id, codec.encode(MSG.SET_GAME_ID, { gameId: 1, isRestore: false, entityIds: [] }));
    await within(forged.closed, 'the forged hello to be refused');
    expect(forged.frames.map((f) => f.type)).toEqual([MSG.LINK_CHALLENGE.id]);

    // The exchange done right, with the wrong secret.
    const wrong = await raw(dispatcher.port);
    const wrongNonce = await challenge(wrong);
    const mine = newNonce();
    wrong.send(MSG.LINK_AUTH.id, codec.encode(MSG.LINK_AUTH, { nonce: mine, proof: linkProof('not-the-cluster-secret-at-all', 'peer', wrongNonce, mine) }));
    await within(wrong.closed, 'the wrong secret to be refused');
    expect(wrong.frames.some((f) => f.type === MSG.LINK_AUTH_OK.id)).toBe(false);

    // The right secret: the dispatcher proves it too, then takes a hello.
    const right = await raw(dispatcher.port);
    const nonce = await challenge(right);
    right.send(MSG.LINK_AUTH.id, codec.encode(MSG.LINK_AUTH, { nonce: mine, proof: linkProof(SECRET, 'peer', nonce, mine) }));
    const ok = codec.decode(MSG.LINK_AUTH_OK, await right.frame(MSG.LINK_AUTH_OK.id));
    if (ok instanceof Error) throw ok;
    expect(proofMatches(SECRET, 'dispatcher', nonce, mine, ok.proof)).toBe(true);
    right.send(MSG.SET_GATE_ID.id, codec.encode(MSG.SET_GATE_ID, { gateId: 99 }));
    await right.frame(MSG.HANDSHAKE_ACK.id);
    right.destroy();

    expect(await refusedLinkAuth(dispatcher.metricsPort!)).toBe(2);
    const log = await logSays(c, /refused an internal link that did not authenticate/);
    expect(log).not.toContain(SECRET);
    await bumps(c, 2);
  });

  it('serves /health and /ready on every process once it serves, a hot-swap successor included', async () => {
    const { c, config } = await deployment({ cluster: { secret: SECRET } });
    const ports = [...config.dispatchers, ...config.games, ...config.gates].map((p) => p.metricsPort!);
    expect(ports).toHaveLength(3);
    for (const port of ports) {
      expect(await get(port, '/health')).toEqual({ status: 200, body: 'ok\n' });
      await becomesReady(port);
    }
    await bumps(c, 1);

    // The successor authenticates its new links with the same secret, and is ready on the same port.
    c.write('v2');
    const { stdout } = await tsworld('reload', c.d.dir);
    expect(stdout).toMatch(/game1: restored by pid \d+ with the new code/);
    await becomesReady(config.games[0]!.metricsPort!);
    c.client.call(c.client.player!.id, 'bump', 2);
    expect((await c.client.waitCall('onBump', (a) => a[0] === 2)).args[3]).toBe('v2');
    expect(await refusedLinkAuth(config.dispatchers[0]!.metricsPort!)).toBe(0);
  });
});

describe('TSWORLD_* variables (real processes)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (name.startsWith('TSWORLD_') && !(name in saved)) delete process.env[name];
  });

  it('refuses a dispatcher off loopback without a secret, and runs it with TSWORLD_CLUSTER_SECRET', async () => {
    // `tsworld start` and every process it spawns inherit this environment.
    process.env.TSWORLD_DISPATCHER_1_HOST = '0.0.0.0';
    await expect(startCounterDeployment({ metrics: true })).rejects.toThrow(
      /TSWORLD_DISPATCHER_1_HOST \(dispatchers\[0\]\.host\): 0\.0\.0\.0 is not a loopback address/,
    );
    process.env.TSWORLD_CLUSTER_SECRET = SECRET;
    const { c, config } = await deployment();
    await bumps(c, 1);
    // The dispatcher has the secret from the environment: a peer without it is refused.
    const unproven = await raw(config.dispatchers[0]!.port);
    const nonce = await challenge(unproven);
    expect(nonce).toHaveLength(32);
    unproven.send(MSG.LINK_AUTH.id, codec.encode(MSG.LINK_AUTH, { nonce: newNonce(), proof: new Uint8Array(0) }));
    await within(unproven.closed, 'a peer without the secret to be refused');
    expect(await refusedLinkAuth(config.dispatchers[0]!.metricsPort!)).toBe(1);
    await logSays(c, /"host":"0\.0\.0\.0"/);
  });
});

describe('processes with different secrets (started one by one)', () => {
  const saved = process.env.TSWORLD_CLUSTER_SECRET;
  afterEach(() => {
    if (saved === undefined) delete process.env.TSWORLD_CLUSTER_SECRET;
    else process.env.TSWORLD_CLUSTER_SECRET = saved;
  });

  it('a game with another secret, and a gate with none, stop at start saying why; the dispatcher counts both', async () => {
    const entry = join(import.meta.dirname, '..', '..', 'examples', 'chatroom', 'game', 'main.ts');
    const small = await writeSmallDeployment({ entry });
    cleanups.push(() => small.remove());
    const logDir = join(small.dir, 'logs');
    // Each process reads the secret from the environment it was started with.
    process.env.TSWORLD_CLUSTER_SECRET = SECRET;
    const dispatcher = await spawnRoleProcess({ role: 'dispatcher', id: 1, configPath: small.configPath, logDir });
    cleanups.push(() => dispatcher.stop());
    await becomesReady(small.config.dispatchers[0]!.metricsPort);

    process.env.TSWORLD_CLUSTER_SECRET = 'a-different-secret-for-the-game';
    await expect(spawnRoleProcess({ role: 'game', id: 1, configPath: small.configPath, logDir })).rejects.toThrow();
    expect(readFileSync(join(logDir, 'game1.log'), 'utf8')).toMatch(/closed the link before it was authenticated/);
    delete process.env.TSWORLD_CLUSTER_SECRET;
    await expect(spawnRoleProcess({ role: 'gate', id: 1, configPath: small.configPath, logDir })).rejects.toThrow();
    expect(readFileSync(join(logDir, 'gate1.log'), 'utf8')).toMatch(/closed the link before it was authenticated/);

    expect(await refusedLinkAuth(small.config.dispatchers[0]!.metricsPort)).toBe(2);
    expect(dispatcher.exited()).toBeNull();
  });
});
