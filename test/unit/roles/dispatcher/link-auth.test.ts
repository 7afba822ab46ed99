import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '../../../../src/observability/index.ts';
import { MSG, createPackr, createWireCodec } from '../../../../src/protocol/index.ts';
import { type Dispatcher, startDispatcher } from '../../../../src/roles/dispatcher/dispatcher.ts';
import { dispatcherOptions } from '../../../../src/roles/dispatcher/dispatcher-options.ts';
import { connectAuthenticated, linkProof, newNonce, proofMatches } from '../../../../src/roles/shared/link-auth.ts';
import { systemRuntime } from '../../../../src/roles/shared/runtime.ts';
import { createTestCluster, type TestCluster } from '../../../../src/testing/test-cluster.ts';
import type { Link } from '../../../../src/transport/link.ts';
import { type CapturedLine, createCaptureLog } from '../../../support/capture-log.ts';
import { recordClient } from '../../../support/clients.ts';
import { connectRawLink, type RawLink } from '../../../support/raw-link.ts';
import { registersLogsInChatsAndKeepsRoomsApart } from '../../../scenarios/chatroom.ts';

/**
 * Link authentication over real TCP, with the dispatcher in this process and peers that are the real
 * peer code (connectAuthenticated) or raw sockets writing frames by hand. Waits are on frames and
 * closes with generous deadlines; nothing asserts on timing.
 */
const codec = createWireCodec({ packr: createPackr() });
const SECRET = 'correct-horse-battery-staple-42';
const DEADLINE_MS = 15_000;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function start(secret: string | undefined, liveness?: { heartbeatMs: number; timeoutMs: number }): Promise<{ dispatcher: Dispatcher; metrics: Metrics; lines: CapturedLine[] }> {
  const log = createCaptureLog();
  const metrics = createMetrics({ role: 'dispatcher', id: 1, processMetrics: false });
  const basics = { id: 1, host: '127.0.0.1', port: 0, expectedGames: 1, expectedGates: 1, codec, log, runtime: systemRuntime() };
  const dispatcher = await startDispatcher(dispatcherOptions(basics, { metrics, clusterSecret: secret, ...(liveness ? { liveness } : {}) }));
  cleanups.push(() => dispatcher.close());
  return { dispatcher, metrics, lines: log.lines };
}

function peer(port: number, secret: string | undefined, frames: number[] = []): Promise<Link> {
  const runtime = systemRuntime();
  return connectAuthenticated(runtime.net, {
    codec,
    secret,
    scheduler: runtime.scheduler,
    timeoutMs: DEADLINE_MS,
    host: '127.0.0.1',
    port,
    onFrame: (type) => void frames.push(type),
  }).then((link) => {
    cleanups.push(() => link.destroy());
    return link;
  });
}

async function raw(port: number): Promise<RawLink> {
  const link = await connectRawLink('127.0.0.1', port);
  cleanups.push(() => link.destroy());
  return link;
}

async function refused(metrics: Metrics): Promise<number> {
  const match = /^tsworld_refused_total\{[^}]*limit="link-auth"[^}]*\} (\d+)$/m.exec(await metrics.text());
  return match ? Number(match[1]) : 0;
}

const authLines = (lines: CapturedLine[]) => lines.filter((l) => l.message.startsWith('refused an internal link'));

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), DEADLINE_MS)));
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

describe('link authentication (HMAC challenge-response)', () => {
  it('accepts a peer with the secret, which then says hello; the dispatcher proves the secret too', async () => {
    const { dispatcher, metrics } = await start(SECRET);
    const frames: number[] = [];
    const link = await peer(dispatcher.port, SECRET, frames);
    codec.encodeTo(link, MSG.SET_GATE_ID, { gateId: 1 });
    link.flush();
    await within((async () => { while (!frames.includes(MSG.HANDSHAKE_ACK.id)) await new Promise((r) => setTimeout(r, 10)); })(), 'HANDSHAKE_ACK');
    expect(dispatcher.stats.gates).toBe(1);
    expect(await refused(metrics)).toBe(0);

    // By hand: the answer to a correct proof is the dispatcher's own, for these two nonces only.
    const hand = await raw(dispatcher.port);
    const challenge = codec.decode(MSG.LINK_CHALLENGE, await hand.frame(MSG.LINK_CHALLENGE.id));
    if (challenge instanceof Error) throw challenge;
    expect(challenge.nonce).toHaveLength(32);
    const mine = newNonce();
    hand.send(MSG.LINK_AUTH.id, codec.encode(MSG.LINK_AUTH, { nonce: mine, proof: linkProof(SECRET, 'peer', challenge.nonce, mine) }));
    const ok = codec.decode(MSG.LINK_AUTH_OK, await hand.frame(MSG.LINK_AUTH_OK.id));
    if (ok instanceof Error) throw ok;
    expect(proofMatches(SECRET, 'dispatcher', challenge.nonce, mine, ok.proof)).toBe(true);
    expect(proofMatches('another-secret-of-some-length', 'dispatcher', challenge.nonce, mine, ok.proof)).toBe(false);
    // A fresh nonce per link.
    const other = await raw(dispatcher.port);
    const second = codec.decode(MSG.LINK_CHALLENGE, await other.frame(MSG.LINK_CHALLENGE.id));
    if (second instanceof Error) throw second;
    expect(Buffer.from(second.nonce).equals(Buffer.from(challenge.nonce))).toBe(false);
  });

  it('refuses a wrong secret, no secret, a forged hello and a replayed proof; counts each and logs at a bounded rate', async () => {
    const { dispatcher, metrics, lines } = await start(SECRET);
    await expect(peer(dispatcher.port, 'the-wrong-secret-entirely')).rejects.toThrow(/closed the link before it was authenticated/);
    await expect(peer(dispatcher.port, undefined)).rejects.toThrow(/closed the link before it was authenticated/);

    // A forged game: its hello first, as before authentication existed.
    const forged = await raw(dispatcher.port);
    forged.send(MSG.SET_GAME_ID.id, codec.encode(MSG.SET_GAME_ID, { gameId: 1, isRestore: false, entityIds: [] }));
    await within(forged.closed, 'the forged hello to be closed');
    expect(forged.frames.map((f) => f.type)).toEqual([MSG.LINK_CHALLENGE.id]);

    // A proof made with the secret, but for another link's nonce, is worth nothing here.
    const replay = await raw(dispatcher.port);
    await replay.frame(MSG.LINK_CHALLENGE.id);
    const nonce = newNonce();
    replay.send(MSG.LINK_AUTH.id, codec.encode(MSG.LINK_AUTH, { nonce, proof: linkProof(SECRET, 'peer', newNonce(), nonce) }));
    await within(replay.closed, 'the replayed proof to be refused');
    // Reflecting the dispatcher's label back does not pass as the peer's proof.
    const reflect = await raw(dispatcher.port);
    const c = codec.decode(MSG.LINK_CHALLENGE, await reflect.frame(MSG.LINK_CHALLENGE.id));
    if (c instanceof Error) throw c;
    reflect.send(MSG.LINK_AUTH.id, codec.encode(MSG.LINK_AUTH, { nonce, proof: linkProof(SECRET, 'dispatcher', c.nonce, nonce) }));
    await within(reflect.closed, 'the reflected proof to be refused');

    expect(replay.frames.some((f) => f.type === MSG.LINK_AUTH_OK.id)).toBe(false);
    expect(await refused(metrics)).toBe(5);
    expect(dispatcher.stats).toMatchObject({ games: 0, gates: 0 });
    // Five refusals within the throttle's interval: one line, naming the first peer and why.
    expect(authLines(lines)).toHaveLength(1);
    expect(authLines(lines)[0]!.fields).toMatchObject({ reason: 'wrong proof of the cluster secret' });
    expect(authLines(lines)[0]!.fields['peer']).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('a peer with a secret refuses a dispatcher that cannot prove it', async () => {
    const { dispatcher } = await start(undefined);
    await expect(peer(dispatcher.port, SECRET)).rejects.toThrow(/did not prove it knows the cluster secret/);
    expect(dispatcher.stats.games + dispatcher.stats.gates).toBe(0);
  });

  it('drops a link that stays silent past the liveness timeout', async () => {
    const { dispatcher, metrics } = await start(SECRET, { heartbeatMs: 100, timeoutMs: 400 });
    const silent = await raw(dispatcher.port);
    await within(silent.closed, 'the silent link to be dropped');
    expect(await refused(metrics)).toBe(1);
  });
});

describe('an in-process cluster with a cluster secret', () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });
  it('authenticates every link and serves the chatroom', async () => {
    const entry = join(import.meta.dirname, '..', '..', '..', '..', 'examples', 'chatroom', 'game', 'main.ts');
    cluster = await createTestCluster({ game: entry, games: 2, gates: 2, clusterSecret: SECRET, gateLimits: { maxMessagesPerSecond: 1000 } });
    const c = cluster;
    await registersLogsInChatsAndKeepsRoomsApart(async (gate) => recordClient(await c.connect({ gate: gate + 1 }), { until: c.until }));
    expect(c.dispatchers[0]!.stats).toMatchObject({ games: 2, gates: 2 });
  });
});
