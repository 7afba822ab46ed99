import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEntityStorage } from '../../src/storage/index.ts';
import { avatarIdOf, writeChaosGame } from '../fixtures/chaos-game.ts';
import { testClient, type TestClient } from '../support/clients.ts';
import { startDeployment, type TestDeployment } from '../support/deployment.ts';

const PLAYERS = 200;
const CALL_EVERY_MS = 300;
const KILL_EVERY_MS = 10_000;
const SAVE_INTERVAL_SEC = 2;
/** One of each kind, then the rest: every recovery path runs at least once in the ~70 s. */
const VICTIMS = ['game2', 'dispatcher1', 'gate1', 'game1', 'dispatcher2', 'gate2', 'game2'] as const;

type Status = Awaited<ReturnType<TestDeployment['status']>>;
const find = (s: Status, name: string) => s.processes.find((p) => `${p.role}${p.id}` === name)!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One player: logs in to its persistent avatar, calls echo(seq), and logs in again after LOST or a reconnect. */
interface Player {
  readonly index: number;
  readonly gate: number;
  client: TestClient;
  /** Connections so far; a reply run is one avatar activation on one connection. */
  connection: number;
  playing: boolean;
  sent: number;
  /** Replies per run (`instance#connection`), in arrival order. */
  runs: Map<string, number[]>;
  /** Avatar instances in the order they first answered, and whether an older one answered after a newer one. */
  instances: string[];
  staleAnswers: number;
  /** When this player lost its avatar (LOST) or its connection. */
  hits: number[];
}

function onEcho(p: Player, args: unknown[]): void {
  const [seq, , instance] = args as [number, number, string];
  if (!p.instances.includes(instance)) p.instances.push(instance);
  else if (p.instances.at(-1) !== instance) p.staleAnswers++;
  const run = `${instance}#${p.connection}`;
  if (!p.runs.has(run)) p.runs.set(run, []);
  p.runs.get(run)!.push(seq);
}

/** Logs in on the current connection: the Account gives the client to the avatar. */
async function login(p: Player): Promise<void> {
  p.playing = false;
  const account = await p.client.waitFor(() => (p.client.player?.typeName === 'Account' ? p.client.player : undefined), 'the Account', 30_000);
  p.client.call(account.id, 'login', avatarIdOf(p.index));
  await p.client.waitFor(() => p.client.player?.typeName === 'Avatar' || undefined, 'the Avatar', 30_000);
  p.playing = true;
}

async function connect(d: TestDeployment, p: Player): Promise<void> {
  // Bounded: a gate that stays away for a minute fails the test instead of leaving a retry loop behind it.
  for (let attempt = 0; ; attempt++) {
    try {
      p.client = await testClient(d.wsUrls[p.gate - 1]!);
      break;
    } catch (err) {
      if (attempt >= 40) throw new Error(`player ${p.index}: gate ${p.gate} refused 40 connects`, { cause: err });
      // Its gate is being restarted: try again, as a player's client would.
      await sleep(Math.min(2000, 100 * 2 ** attempt));
    }
  }
  p.connection++;
  p.client.on('call', (_e, method, args) => method === 'onEcho' && onEcho(p, args));
  p.client.on('lost', () => {
    p.hits.push(Date.now());
    void login(p).catch(() => undefined);
  });
  p.client.on('close', () => {
    p.playing = false;
    p.hits.push(Date.now());
    void connect(d, p);
  });
  await login(p);
}

/** When a log line with `msg` containing `text` was first written at or after `since`. */
function loggedAt(d: TestDeployment, files: string[], text: string, since: number): number | undefined {
  // A log that grew past its rotation size goes on in `<file>.1`, `.2`…: all of them are read.
  const all = readdirSync(join(d.dir, 'logs')).filter((name) => files.some((f) => name === f || name.startsWith(`${f}.`)));
  const times = all.flatMap((f) => {
    const content = readFileSync(join(d.dir, 'logs', f), 'utf8');
    return content.split('\n').filter((l) => l.startsWith('{') && l.includes(text)).map((l) => {
      const time = (JSON.parse(l) as { time: unknown }).time;
      return typeof time === 'number' ? time : Date.parse(String(time));
    });
  });
  return times.filter((t) => t >= since).sort((a, b) => a - b)[0];
}

/** Which log says the fault was noticed: the dispatchers for a game or gate, the games for a dispatcher. */
const DETECTED_BY: Record<string, { files: string[]; text: string }> = {
  game: { files: ['dispatcher1.log', 'dispatcher2.log'], text: 'game declared down' },
  dispatcher: { files: ['game1.log', 'game2.log'], text: 'lost the dispatcher' },
  gate: { files: ['dispatcher1.log', 'dispatcher2.log'], text: 'gate disconnected' },
};

/**
 * Losing any one process is survivable (the fault-recovery issue's chaos test). 200 players on 2 gates,
 * 2 games and 2 dispatchers play persistent avatars; one process at a time is killed with kill -9 every
 * 10 s (each kind at least once) and the supervisor brings it back. Checked: every player plays again at
 * the end; replies come once and in order within each avatar activation, and none is lost while its
 * game and gate live; never two live instances of one avatar; the saved avatars are no older than the
 * save interval at the end; after a dispatcher or gate restart no other process restarted.
 */
describe('chaos: a random process killed every 10 s under load', () => {
  let d: TestDeployment;
  let dir: string;
  const players: Player[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsworld-chaos-'));
    d = await startDeployment({
      entry: writeChaosGame(dir), dispatchers: 2, games: 2, gates: 2,
      gameDefaults: { saveIntervalSec: SAVE_INTERVAL_SEC },
      // Every player connects from 127.0.0.1: the per-address admission bounds are for the internet.
      gateDefaults: { maxConnectionsPerIp: 1000, connectsPerIpPerSec: 1000, connectBurstPerIp: 1000 },
      sections: { supervision: { backoffMs: 100, maxRestarts: 10 } },
    });
    const t0 = Date.now();
    await seedAvatars(d);
    const seeded = Date.now();
    for (let i = 0; i < PLAYERS; i++) {
      players.push({
        index: i, gate: (i % 2) + 1, client: undefined as never, connection: 0, playing: false,
        sent: 0, runs: new Map(), instances: [], staleAnswers: 0, hits: [],
      });
    }
    // Logged in 20 at a time, as players arrive.
    for (let i = 0; i < PLAYERS; i += 20) await Promise.all(players.slice(i, i + 20).map((p) => connect(d, p)));
    console.log(`chaos setup: ${PLAYERS} avatars seeded in ${seeded - t0} ms, logged in in ${Date.now() - seeded} ms`);
  }, 180_000);
  afterAll(async () => {
    for (const p of players) {
      p.client.on('close', () => undefined);
      p.client.close();
    }
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every player plays on, answered once and in order, one avatar instance at a time, data fresh', async () => {
    const calling = setInterval(() => {
      for (const p of players) if (p.client.connected && p.playing && p.client.player) p.client.call(p.client.player.id, 'echo', ++p.sent);
    }, CALL_EVERY_MS);
    const table = await killInTurn(d, players).finally(() => clearInterval(calling));
    await everyPlayerAnswered(players);
    const { replies, gaps, dups } = checkRuns(players);
    const ages = await savedAges(d);
    const sent = players.reduce((n, p) => n + p.sent, 0);
    console.log(
      `chaos: ${PLAYERS} players, ${sent} echoes sent, ${replies} answered, ${gaps} lost while their game and gate lived, ${dups} twice; ` +
        `saved avatars ${Math.round(Math.max(...ages))} ms old at most (save interval ${SAVE_INTERVAL_SEC * 1000} ms)\n` +
        `  fault         detected   back   clients affected\n  ` +
        table.join('\n  '),
    );
    expect(dups, 'replies that came twice or out of order').toBe(0);
    expect(gaps, 'replies lost while their game and gate lived').toBe(0);
    expect(players.reduce((n, p) => n + p.staleAnswers, 0), 'answers from an avatar instance after a newer one answered').toBe(0);
    // A save takes a tick to be written after its interval: the bound allows one more second.
    for (const age of ages) expect(age).toBeLessThan(SAVE_INTERVAL_SEC * 1000 + 1000);
  }, 300_000);
});

/** Kills each victim in turn, waits for the supervisor to bring it back, and returns the table rows. */
async function killInTurn(d: TestDeployment, players: Player[]): Promise<string[]> {
  const table: string[] = [];
  for (const victim of VICTIMS) {
    await sleep(KILL_EVERY_MS / 2);
    const before = await d.status();
    const t0 = Date.now();
    process.kill(find(before, victim).pid, 'SIGKILL');
    for (;;) {
      const s = await d.status();
      const v = find(s, victim);
      if (v.alive && v.pid !== find(before, victim).pid) {
        const back = Date.now() - t0;
        const others = s.processes.filter((p) => `${p.role}${p.id}` !== victim && p.restarts !== find(before, `${p.role}${p.id}`).restarts);
        if (!victim.startsWith('game')) expect(others, `only ${victim} restarted`).toEqual([]);
        await sleep(KILL_EVERY_MS / 2);
        const by = DETECTED_BY[victim.replace(/\d+$/, '')]!;
        const detected = loggedAt(d, by.files, by.text, t0 - 50);
        const affected = players.filter((p) => p.hits.some((t) => t >= t0)).length;
        for (const p of players) p.hits = [];
        table.push(`${victim.padEnd(12)} ${detected === undefined ? '     -' : `${String(detected - t0).padStart(6)}`} ms ${String(back).padStart(5)} ms ${String(affected).padStart(5)}`);
        break;
      }
      expect(Date.now() - t0, `${victim} back within 30 s`).toBeLessThan(30_000);
      await sleep(100);
    }
  }
  return table;
}

async function everyPlayerAnswered(players: Player[]): Promise<void> {
  for (const p of players) {
    await p.client.waitFor(() => p.client.connected && p.playing && p.client.player, `player ${p.index} playing`, 60_000);
    const seq = ++p.sent;
    p.client.call(p.client.player!.id, 'echo', seq);
    await p.client.waitCall('onEcho', (a) => a[0] === seq, 30_000).catch((err: Error) => {
      throw new Error(`player ${p.index} (gate ${p.gate}, ${p.connection} connections, ${p.instances.length} avatar instances): ${err.message}`);
    });
  }
}

/**
 * Within one run (an avatar activation on one connection) replies are contiguous, once each, in order.
 * What a run misses at its end went down with a killed game or gate; a gap inside it would be a reply
 * lost while both lived, through a dispatcher killed with it inside.
 */
function checkRuns(players: Player[]): { replies: number; gaps: number; dups: number } {
  let replies = 0;
  let gaps = 0;
  let dups = 0;
  for (const p of players) {
    for (const run of p.runs.values()) {
      replies += run.length;
      for (let i = 1; i < run.length; i++) {
        if (run[i]! <= run[i - 1]!) dups++;
        else gaps += run[i]! - run[i - 1]! - 1;
      }
    }
  }
  return { replies, gaps, dups };
}

/** Every player's avatar exists in storage before anyone logs in, as accounts made at registration do. */
async function seedAvatars(d: TestDeployment): Promise<void> {
  const storage = openEntityStorage({ kind: 'lmdb', path: join(d.dir, 'data') });
  try {
    for (let i = 0; i < PLAYERS; i++) await storage.save('Avatar', avatarIdOf(i), { beat: 0, echoes: 0 });
  } finally {
    await storage.close();
  }
}

/** How old each avatar's saved `beat` is now, read from the deployment's LMDB as the games commit it. */
async function savedAges(d: TestDeployment): Promise<number[]> {
  const storage = openEntityStorage({ kind: 'lmdb', path: join(d.dir, 'data') });
  try {
    const now = Date.now();
    const ages: number[] = [];
    for (let i = 0; i < PLAYERS; i++) ages.push(now - (((await storage.load('Avatar', avatarIdOf(i)))?.beat as number | undefined) ?? 0));
    return ages;
  } finally {
    await storage.close();
  }
}
