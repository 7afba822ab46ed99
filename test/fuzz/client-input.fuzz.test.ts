import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ERROR_CODES, MSG, isMalformed, scanMsgpack } from '../../src/protocol/index.ts';
import { mulberry32, randInt } from '../../src/testing/prng.ts';
import { testClient, type TestClient } from '../support/clients.ts';
import { repoRoot, startDeployment, type TestDeployment } from '../support/deployment.ts';
import { concat, hostileValues, rawStr, str, structuredCloneBomb, randomText, type Hostile, type Rand } from '../support/hostile-msgpack.ts';
import { isRunning } from '../support/processes.ts';
import { MB, rssBytes } from '../support/proc-memory.ts';
import { callMessage, clientMessage, openRawClient, type RawClient } from '../support/raw-client.ts';
import { ascii, hostileArgsCase, nextCase, rawCall, type CaseContext, type FuzzCase } from './client-cases.ts';
import { namedFrameCases, randomFrameCase, runFrameCase, type FrameCase } from './ws-frame-cases.ts';
import {
  DOCUMENTED_CLOSES,
  connectReady,
  createStats,
  describeFindings,
  runPreHelloCase,
  runReadyCase,
  summary,
  type FuzzStats,
} from './fuzz-run.ts';

/**
 * Issue 7, "no client input may take a process down": structure-aware fuzzing of everything a client
 * can send, against one real deployment (1 dispatcher, 2 games so calls cross games, 1 gate). The run
 * is deterministic from FUZZ_SEED in what it generates (entity ids and timing still vary); FUZZ_MS
 * bounds its length. Rate limits are opened wide so the cases reach the decoders, not the limiter.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 0x7e57) >>> 0;
const FUZZ_MS = Number(process.env.FUZZ_MS ?? 22_000);
const WORKERS = 16;
const PRE_HELLO = 0.15;
const MAX_PAYLOAD = 256 * 1024;
const RSS_LIMIT = 300 * MB;
const RSS_GROWTH = 100 * MB;
const LIMITS = { stallMs: 20_000, maxPayload: MAX_PAYLOAD };
const RANDOM_FRAME_CASES = 200;
const entry = join(repoRoot, 'examples', 'chatroom', 'game', 'main.ts');

/** Arguments that are msgpack in the dialect's syntax (refused by ERROR, not a close): the avatar's diet. */
const answerable = (h: Hostile) => {
  const fault = scanMsgpack(h.bytes, { maxDepth: 16, maxElements: 4096 });
  return fault === null || !isMalformed(fault);
};

interface Proc {
  role: string;
  id: number;
  pid: number;
}

/** Samples every process: alive, and its RSS (the largest seen so far is kept). */
function createHealth(procs: readonly Proc[]) {
  const peak = new Map<number, number>();
  const problems: string[] = [];
  const sample = () => {
    for (const p of procs) {
      const rss = rssBytes(p.pid);
      if (!isRunning(p.pid) || rss === null) {
        if (!problems.some((x) => x.startsWith(`${p.role}${p.id}`))) problems.push(`${p.role}${p.id} (pid ${p.pid}) is not running`);
        continue;
      }
      peak.set(p.pid, Math.max(peak.get(p.pid) ?? 0, rss));
    }
  };
  const rss = () => new Map(procs.map((p) => [p.pid, rssBytes(p.pid) ?? 0]));
  return { sample, peak, problems, rss };
}

const fmtRss = (procs: readonly Proc[], m: Map<number, number>) => procs.map((p) => `${p.role}${p.id} ${((m.get(p.pid) ?? 0) / MB).toFixed(0)} MB`).join(', ');

describe(`client input fuzz (FUZZ_SEED=${SEED})`, () => {
  let d: TestDeployment;
  let procs: Proc[] = [];
  let health: ReturnType<typeof createHealth>;
  let baseline = new Map<number, number>();
  const sdkClients: TestClient[] = [];

  beforeAll(async () => {
    console.log(`client input fuzz: FUZZ_SEED=${SEED} FUZZ_MS=${FUZZ_MS} (set either in the environment to replay or lengthen)`);
    d = await startDeployment({
      entry,
      games: 2,
      gates: 1,
      gateDefaults: {
        maxPayload: MAX_PAYLOAD,
        maxMessagesPerSecond: 100_000,
        maxBytesPerSecond: 1024 * 1024 * 1024,
        maxConnectionsPerIp: 5_000,
        connectsPerIpPerSec: 1_000_000,
        connectBurstPerIp: 1_000_000,
        handshakeTimeoutMs: 10_000,
      },
    });
    procs = (await d.status()).processes.map(({ role, id, pid }) => ({ role, id, pid }));
    health = createHealth(procs);
    health.sample();
  });

  afterAll(async () => {
    for (const c of sdkClients) c.close();
    await d?.stop();
  });

  const ownConnection = () => openRawClient(d.wsUrls[0], { player: true });

  it('answers the sub-1 KB structured-clone bomb with a close or ERROR, before and after HELLO, and nothing balloons', async () => {
    const bomb = structuredCloneBomb(32);
    expect(bomb.length).toBeLessThan(1024);
    const before = health.rss();
    const expectAnswer = async (client: RawClient, message: Uint8Array, what: string) => {
      const errorsFrom = client.errors.length;
      client.send(message);
      const answer = await client.waitFor(() => client.closed ?? client.errors[errorsFrom], `a close or ERROR for ${what}`, 10_000);
      if (answer === client.closed) expect(DOCUMENTED_CLOSES.has(answer.code), `${what}: close ${answer.code}`).toBe(true);
      else expect(answer.code, `${what}: ${JSON.stringify(answer)}`).toBe(CLIENT_ERROR_CODES.INVALID_ARGUMENT);
      return answer;
    };
    const wrappings: [string, (own: string) => Uint8Array][] = [
      ['as a call argument', (own) => rawCall(own, 'login', [bomb, str('x')])],
      ['as the argument list', (own) => clientMessage(MSG.CALL_ENTITY_METHOD_FROM_CLIENT.id, concat(ascii(own), [0x92], str('login'), bomb))],
      ['as the [method, args] array', (own) => clientMessage(MSG.CALL_ENTITY_METHOD_FROM_CLIENT.id, concat(ascii(own), bomb))],
      ['as the whole message', () => bomb],
      ['as a HELLO body', () => clientMessage(MSG.HELLO.id, bomb)],
      ['as a HEARTBEAT body', () => clientMessage(MSG.HEARTBEAT.id, bomb)],
      ['as a position body', () => clientMessage(MSG.SYNC_POSITION_FROM_CLIENT.id, bomb)],
    ];
    for (const [what, build] of wrappings) {
      const pre = await openRawClient(d.wsUrls[0], { hello: false });
      await expectAnswer(pre, build('AAAAAAAAAAAAAAAA'), `${what}, before HELLO`);
      await pre.close();
      const ready = await ownConnection();
      await expectAnswer(ready, build(ready.player!.id), `${what}, after HELLO`);
      await ready.close();
    }
    // The same bomb many times on one connection, as arguments the gate answers with ERROR.
    const ready = await ownConnection();
    for (let i = 0; i < 50; i++) ready.send(rawCall(ready.player!.id, 'sendChat', [bomb]));
    await ready.waitFor(() => ready.errors.length >= 50 || ready.closed, '50 answers', 20_000);
    expect(ready.closed).toBeNull();
    expect(ready.errors.every((e) => e.code === CLIENT_ERROR_CODES.INVALID_ARGUMENT)).toBe(true);
    await ready.close();
    health.sample();
    expect(health.problems).toEqual([]);
    const after = health.rss();
    for (const p of procs) {
      expect(after.get(p.pid)!, `${p.role}${p.id} RSS`).toBeLessThan(RSS_LIMIT);
      expect(after.get(p.pid)! - before.get(p.pid)!, `${p.role}${p.id} RSS growth`).toBeLessThan(RSS_GROWTH);
    }
  });

  it('survives WebSocket frames no library would send (lengths, opcodes, bits, fragments), before and after HELLO', async () => {
    const { hostname, port } = new URL(d.wsUrls[0]);
    const rand = mulberry32(SEED ^ 0xf4a3e);
    const named = namedFrameCases(rand, MAX_PAYLOAD);
    const runs: { c: FrameCase; afterHello: boolean }[] = [
      ...named.flatMap((c) => (c.expectWelcome ? [{ c, afterHello: false }] : [{ c, afterHello: false }, { c, afterHello: true }])),
      ...Array.from({ length: RANDOM_FRAME_CASES }, (_, i) => ({ c: randomFrameCase(rand, i), afterHello: rand() < 0.5 })),
    ];
    const byOutcome = new Map<string, string[]>();
    const problems: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < runs.length) {
          const { c, afterHello } = runs[next++];
          const result = await runFrameCase(hostname, Number(port), c, afterHello, c.name.startsWith('random') ? 300 : 1_500);
          const key = `${result.outcome} ${afterHello ? 'after' : 'before'} HELLO`;
          if (!c.name.startsWith('random')) byOutcome.set(key, [...(byOutcome.get(key) ?? []), c.name]);
          if (result.problem) problems.push(`${c.name} (${afterHello ? 'after' : 'before'} HELLO): ${result.problem}`);
        }
      }),
    );
    const table = [...byOutcome].sort(([a], [b]) => a.localeCompare(b)).map(([k, names]) => `${k}: ${names.sort().join('; ')}`);
    console.log(`WebSocket frame cases: ${runs.length} (${RANDOM_FRAME_CASES} random); the named ones by answer ('ended' = no close frame, 1006):\n  ${table.join('\n  ')}`);
    health.sample();
    expect(health.problems).toEqual([]);
    expect(problems).toEqual([]);
  });

  it(`fuzzes every client message type for ~${Math.round(FUZZ_MS / 1000)} s without a crash, a leak or an undocumented answer`, async () => {
    const stats = createStats();
    const hostile = hostileValues(MAX_PAYLOAD);
    const chatDiet = hostile.filter(answerable);
    const url = d.wsUrls[0];
    const monitor = setInterval(() => {
      health.sample();
      if (health.problems.length > 0) stats.stop = true;
    }, 1000);

    // The avatar logs in first, so the password workers exist before the baseline is taken.
    const avatar = await loginRawAvatar(url, 'fuzzavatar', 'fuzz-password');
    health.sample();
    baseline = health.rss();
    const started = Date.now();
    const deadline = started + FUZZ_MS;

    // Each worker interleaves cases on a connection that completed HELLO with (PRE_HELLO of them) cases
    // on a fresh connection before HELLO; these are cheap, so more would crowd out the decoders.
    const worker = async (w: number) => {
      const rand = mulberry32(SEED + 1000 * (w + 1));
      const name = `worker${w}`;
      let client: RawClient | null = null;
      // The next connection opens while the current one runs its cases: most cases end in a close.
      let spare = connectSpare(stats, url);
      for (let i = 0; Date.now() < deadline && !stats.stop; i++) {
        if (rand() < PRE_HELLO) {
          const ownId = stats.knownIds[randInt(rand, 0, stats.knownIds.length - 1)] ?? 'AAAAAAAAAAAAAAAA';
          await runPreHelloCase(stats, name, i, url, nextCase(rand, { ownId, otherIds: stats.knownIds, hostile, maxPayload: MAX_PAYLOAD }, true), LIMITS);
          continue;
        }
        if (client === null) {
          client = await spare;
          spare = connectSpare(stats, url);
        }
        const c = nextCase(rand, context(client, stats, hostile));
        if (!(await runReadyCase(stats, name, i, client, c, LIMITS))) client = null;
      }
      await client?.close();
      await (await spare.catch(() => null))?.close();
    };
    const avatarWorker = async () => {
      const rand = mulberry32(SEED + 999);
      let client: RawClient | null = avatar;
      for (let i = 0, logins = 1; Date.now() < deadline && !stats.stop; i++) {
        if (client === null) {
          // A case closed the avatar's connection (the diet avoids it, but a close is a fine answer).
          if (++logins > 4) break;
          client = await loginRawAvatar(url, 'fuzzavatar', 'fuzz-password', false);
        }
        const c = avatarCase(rand, context(client, stats, chatDiet));
        if (!(await runReadyCase(stats, 'avatar', i, client, c, LIMITS))) client = null;
      }
      await client?.close();
    };

    try {
      await Promise.all([...Array.from({ length: WORKERS }, (_, w) => worker(w)), avatarWorker()]);
    } finally {
      clearInterval(monitor);
    }
    const seconds = (Date.now() - started) / 1000;
    health.sample();
    const final = health.rss();
    console.log(
      `client input fuzz: FUZZ_SEED=${SEED}, ${seconds.toFixed(1)} s, ${(stats.cases / seconds).toFixed(0)} cases/s\n${summary(stats)}\n` +
        `  rss baseline: ${fmtRss(procs, baseline)}\n  rss peak:     ${fmtRss(procs, health.peak)}\n  rss final:    ${fmtRss(procs, final)}`,
    );

    expect(health.problems, `processes died (FUZZ_SEED=${SEED}); the last cases sent:\n${stats.recent.join('\n')}`).toEqual([]);
    expect(stats.findings, `FUZZ_SEED=${SEED}:\n${describeFindings(stats.findings)}`).toEqual([]);
    expect(stats.cases).toBeGreaterThan(100);
    for (const p of procs) {
      expect(health.peak.get(p.pid)!, `${p.role}${p.id} peak RSS`).toBeLessThan(RSS_LIMIT);
      expect(final.get(p.pid)! - baseline.get(p.pid)!, `${p.role}${p.id} RSS growth over the run`).toBeLessThan(RSS_GROWTH);
    }
  }, FUZZ_MS + 120_000);

  it('is still fully up afterwards: the same processes, and a normal client registers, logs in and chats', async () => {
    const status = await d.status();
    expect(status.processes.map(({ role, id, pid, alive }) => ({ role, id, pid, alive }))).toEqual(procs.map((p) => ({ ...p, alive: true })));
    const c = await testClient(d.wsUrls[0]);
    sdkClients.push(c);
    const account = await c.waitForPlayer();
    c.call(account.id, 'register', 'survivor', 'secret-s');
    expect((await c.waitCall('onRegister', () => true, 30_000)).args).toEqual([true, '']);
    c.call(account.id, 'login', 'survivor', 'secret-s');
    const me = await c.waitFor(() => c.player?.typeName === 'Avatar' && c.player, 'the avatar', 30_000);
    const line = `still here after FUZZ_SEED=${SEED}`;
    c.call(me.id, 'sendChat', line);
    const heard = await c.waitCall('onChat', (args) => args[2] === line, 20_000);
    expect(heard.args.slice(0, 2)).toEqual(['survivor', 'lobby']);
  }, 90_000);
});

/** A ready connection opening in the background; its failure surfaces when it is awaited. */
function connectSpare(stats: FuzzStats, url: string): Promise<RawClient> {
  const next = connectReady(stats, url);
  next.catch(() => undefined);
  return next;
}

function context(client: RawClient, stats: FuzzStats, hostile: readonly Hostile[]): CaseContext {
  return { ownId: client.player!.id, otherIds: stats.knownIds, hostile, maxPayload: MAX_PAYLOAD };
}

const AVATAR_METHODS = ['sendChat', 'relay', 'whereAmI', 'relayed'] as const;

/** Hostile strings and ids for the avatar's own methods: the paths that reach game code and broadcasts. */
function avatarCase(rand: Rand, ctx: CaseContext): FuzzCase {
  const r = rand();
  if (r < 0.4) return hostileArgsCase(rand, ctx, AVATAR_METHODS);
  const text = () => {
    const strings = ctx.hostile.filter((h) => (h.bytes[0] & 0xe0) === 0xa0 || h.bytes[0] === 0xd9 || h.bytes[0] === 0xda);
    if (rand() < 0.4 && strings.length > 0) return strings[randInt(rand, 0, strings.length - 1)].bytes;
    const invalid = [[0xff], [0xed, 0xa0, 0x80], [0xc0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]][randInt(rand, 0, 3)];
    return rand() < 0.3 ? rawStr([...invalid, 0x61]) : str(`${rand() < 0.2 ? '/join ' : ''}${randomText(rand, randInt(rand, 0, 60))}`);
  };
  if (r < 0.75) return { kind: 'avatar-chat', how: 'sendChat(hostile text)', messages: [rawCall(ctx.ownId, 'sendChat', [text()])] };
  const ids = [ctx.ownId, 'AAAAAAAAAAAAAAAA', '\u00e9'.repeat(16), 'short', '', ...ctx.otherIds.slice(0, 3)];
  const seq = [str('1'), new Uint8Array([0x01]), new Uint8Array([0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0]), new Uint8Array([0xd3, 0xff, 0xe0, 0, 0, 0, 0, 0, 1])];
  const id = ids[randInt(rand, 0, ids.length - 1)];
  return {
    kind: 'avatar-relay',
    how: `relay(${JSON.stringify(id)})`,
    messages: [rawCall(ctx.ownId, 'relay', [str(id), seq[randInt(rand, 0, seq.length - 1)]])],
  };
}

/** Registers (once) and logs in over a raw connection: resolves when the connection plays the Avatar. */
async function loginRawAvatar(url: string, user: string, password: string, register = true): Promise<RawClient> {
  const c = await openRawClient(url, { player: true, timeoutMs: 30_000 });
  const account = c.player!.id;
  if (register) {
    c.send(callMessage(account, 'register', [user, password]));
    const reply = await c.waitFor(() => c.calls.find((x) => x.method === 'onRegister'), 'onRegister', 30_000);
    if (reply.args[0] !== true) throw new Error(`register ${user}: ${JSON.stringify(reply.args)}`);
  }
  c.send(callMessage(account, 'login', [user, password]));
  await c.waitFor(() => c.player?.typeName === 'Avatar' || c.calls.find((x) => x.method === 'onLogin'), `${user}'s avatar`, 30_000);
  if (c.player?.typeName !== 'Avatar') throw new Error(`login ${user}: ${JSON.stringify(c.calls.find((x) => x.method === 'onLogin')?.args)}`);
  return c;
}

