import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TsworldClient, WebSocketConstructor } from '../../src/client/index.ts';
import { runBots, type BotFleet, type BotRecord } from '../../src/testing/bots/index.ts';
import { writeResumeGame } from '../fixtures/resume-game.ts';
import { testClient } from '../support/clients.ts';
import { BOT_SWARM_ADMISSION, startDeployment, type TestDeployment } from '../support/deployment.ts';

/**
 * Reconnect and resume on real processes (1 dispatcher, 1 game, 2 gates, supervised) with the bot fleet
 * and the SDK over real sockets. A bot whose socket is cut, or whose gate is killed with kill -9, comes
 * back (to the restarted gate or the other one) on the same entity within the grace period: attributes
 * and AOI as they were, no second entity, and the calls it made while disconnected are answered. A client
 * that stays away past the grace period leaves its entity with onClientDisconnected('connection-lost').
 */
/** Room for a supervised restart of a gate on a loaded machine (2.7 s measured), and the expiry test's wait. */
const GRACE_MS = 15_000;
const BUMP = [{ name: 'bump', method: 'bump', reply: 'onBump', hz: 5 }];

/** ws, keeping every socket it opens, so a test can cut one as a network fault would (no close frame). */
function recordingWs(): { Ctor: WebSocketConstructor; sockets: WebSocket[] } {
  const sockets: WebSocket[] = [];
  class Recording extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return { Ctor: Recording as unknown as WebSocketConstructor, sockets };
}

/** The players the game holds, asked by a bot's own entity. */
async function playersOnTheGame(client: TsworldClient): Promise<string[]> {
  const answer = new Promise<string[]>((resolve) => {
    const off = client.on('call', (_e, method, args) => {
      if (method !== 'onPlayers') return;
      off();
      resolve(args[0] as string[]);
    });
  });
  client.call(client.player!.id, 'players');
  return answer;
}

/** The bump stream's state at a moment: the last seq sent, and the bumps count its last reply carried. */
function bumpsOf(bot: BotRecord): { sent: number; bumps: number } {
  const rec = bot.channels.get('bump')!;
  const last = rec.replies.at(-1);
  return { sent: rec.track.sent, bumps: last ? (last.args[1] as number) : 0 };
}

/** Every bump sent after `afterSeq` is answered (the earlier ones may have been in flight when the link went). */
function unansweredAfter(bot: BotRecord, afterSeq: number): number[] {
  return bot.channels.get('bump')!.track.missing(10_000).filter((seq) => seq > afterSeq);
}

const waitUntil = async <T>(probe: () => T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> => {
  const t0 = Date.now();
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Until a client gets a player through `url` (a gate the last test killed may still be restarting). */
async function gateServing(url: string, timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const client = await testClient(url).catch(() => null);
    if (client) {
      await client.waitForPlayer();
      return client.close();
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`${url} not serving after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('reconnect and resume (real processes)', () => {
  let d: TestDeployment;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsworld-resume-'));
    d = await startDeployment({
      entry: writeResumeGame(dir), games: 1, gates: 2,
      gateDefaults: { ...BOT_SWARM_ADMISSION, resumeGraceMs: GRACE_MS },
      sections: { supervision: { backoffMs: 100, maxBackoffMs: 1000 } },
    });
  });
  afterAll(async () => {
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a bot whose socket is cut mid-run resumes its entity, with attributes and AOI intact and its queued calls answered', async () => {
    const { Ctor, sockets } = recordingWs();
    const fleet: BotFleet = await runBots({
      url: d.wsUrls[0]!, count: 4, channels: BUMP, moveHz: 2, area: { minX: 40, maxX: 60, minZ: 40, maxZ: 60 }, WebSocket: Ctor,
      // The first attempt 500-1500 ms after the cut: time for the bumps of a 5 Hz stream to queue up.
      heartbeatMs: 500, reconnect: { urls: d.wsUrls, initialDelayMs: 1000, maxDelayMs: 1000 },
    });
    try {
      const bot = fleet.bots[0]!;
      const player = bot.player.id;
      await fleet.waitUntil('a few bumps answered', (b) => bumpsOf(b).bumps >= 3, 20_000);
      const before = bumpsOf(bot);
      const marks = { dropSeq: 0, resumeSeq: 0, resumedMs: 0, delayMs: 0 };
      bot.client.on('reconnecting', (attempt, delayMs) => {
        if (attempt !== 1) return;
        marks.dropSeq = bumpsOf(bot).sent;
        marks.delayMs = delayMs;
      });
      bot.client.on('resumed', () => void (marks.resumeSeq = bumpsOf(bot).sent));
      const tCut = Date.now();
      sockets[0]!.terminate();
      await waitUntil(() => bot.resumes === 1, 'bot 0 resumed', GRACE_MS);
      marks.resumedMs = Date.now() - tCut;
      console.log(
        `socket cut → resumed on the same entity in ${marks.resumedMs} ms (backoff ${marks.delayMs} ms, then connect + RESUME + snapshot ` +
          `${marks.resumedMs - marks.delayMs} ms); bumps made while away: ${marks.resumeSeq - marks.dropSeq}`,
      );
      expect(bot.player.id).toBe(player);
      expect(bot.resumeFailures).toEqual([]);
      expect(marks.resumeSeq).toBeGreaterThan(marks.dropSeq);
      // AOI: both npcs are in view again, with their attributes, from the fresh snapshot.
      const npcs = () => [...bot.client.entities.values()].filter((e) => e.typeName === 'Npc').map((e) => e.attrs.label).sort();
      await waitUntil(() => npcs().length === 2, 'the npcs in view again');
      expect(npcs()).toEqual(['north', 'south']);
      // The same entity's attribute, not a new one's: it counts on from where it was.
      expect(bot.client.player!.attrs.bumps as number).toBeGreaterThanOrEqual(before.bumps);
      await fleet.waitUntil('every bump made while away answered', (b) => b !== bot || unansweredAfter(b, marks.dropSeq).length === 0, 20_000);
      fleet.stopSending();
      await waitUntil(() => unansweredAfter(bot, marks.dropSeq).length === 0 && bumpsOf(bot).bumps === bot.client.player!.attrs.bumps, 'the last reply and the attribute agree');
      expect(bumpsOf(bot).bumps).toBeGreaterThan(before.bumps);
      const players = await playersOnTheGame(bot.client);
      expect(players.sort()).toEqual(fleet.bots.map((b) => b.player.id).sort());
      for (const b of fleet.bots) expect(b.disconnects, `bot ${b.index}`).toEqual([]);
    } finally {
      await fleet.close();
    }
  });

  it('bots on a gate killed with kill -9 resume their entities (the restarted gate or the other one)', async () => {
    const fleet = await runBots({
      url: d.wsUrls, count: 6, channels: BUMP, moveHz: 2, area: { minX: 40, maxX: 60, minZ: 40, maxZ: 60 },
      heartbeatMs: 500, reconnect: { urls: d.wsUrls, initialDelayMs: 100, maxDelayMs: 1000 },
    });
    try {
      await fleet.waitUntil('a few bumps answered', (b) => bumpsOf(b).bumps >= 3, 20_000);
      const onGate1 = fleet.bots.filter((b) => b.url === d.wsUrls[0]);
      const players = new Map(fleet.bots.map((b) => [b, b.player.id]));
      const before = new Map(onGate1.map((b) => [b, bumpsOf(b).bumps]));
      const drops = new Map<BotRecord, number>();
      for (const b of onGate1) b.client.on('reconnecting', (attempt) => void (attempt === 1 && drops.set(b, bumpsOf(b).sent)));
      const gate1 = (await d.status()).processes.find((p) => p.role === 'gate' && p.id === 1)!;
      const tKill = Date.now();
      process.kill(gate1.pid, 'SIGKILL');
      await fleet.waitUntil('the bots of gate 1 resumed', (b) => b.url !== d.wsUrls[0] || b.resumes === 1, GRACE_MS + 10_000);
      console.log(`gate 1 killed → its ${onGate1.length} bots resumed their entities within ${Date.now() - tKill} ms`);
      for (const b of fleet.bots) {
        expect(b.player.id, `bot ${b.index}`).toBe(players.get(b));
        expect(b.resumeFailures, `bot ${b.index}`).toEqual([]);
        expect(b.disconnects, `bot ${b.index}`).toEqual([]);
      }
      await fleet.waitUntil('bumps made while away answered', (b) => !drops.has(b) || unansweredAfter(b, drops.get(b)!).length === 0, 20_000);
      for (const b of onGate1) expect(bumpsOf(b).bumps, `bot ${b.index}`).toBeGreaterThan(before.get(b)!);
      const onGame = await playersOnTheGame(fleet.bots[0]!.client);
      // The first test's bots closed normally (client-closed): their players are unbound, not destroyed.
      for (const b of fleet.bots) expect(onGame.filter((id) => id === b.player.id)).toHaveLength(1);
    } finally {
      await fleet.close();
    }
  });

  it('bots that only know gate 1 resume on it once the supervisor has restarted it after kill -9 (the key is shared)', async () => {
    const only1 = [d.wsUrls[0]!];
    await gateServing(only1[0]!);
    const fleet = await runBots({
      url: only1, count: 3, channels: BUMP, moveHz: 2, area: { minX: 40, maxX: 60, minZ: 40, maxZ: 60 },
      heartbeatMs: 500, reconnect: { urls: only1, initialDelayMs: 100, maxDelayMs: 500, maxAttempts: 200 },
    });
    try {
      await fleet.waitUntil('a few bumps answered', (b) => bumpsOf(b).bumps >= 2, 20_000);
      const players = new Map(fleet.bots.map((b) => [b, b.player.id]));
      const gate1 = (await d.status()).processes.find((p) => p.role === 'gate' && p.id === 1)!;
      const tKill = Date.now();
      process.kill(gate1.pid, 'SIGKILL');
      await fleet.waitUntil('every bot resumed on the restarted gate 1', (b) => b.resumes === 1, GRACE_MS);
      console.log(`gate 1 killed → restarted by the supervisor → its ${fleet.bots.length} bots resumed there within ${Date.now() - tKill} ms`);
      const restarted = (await d.status()).processes.find((p) => p.role === 'gate' && p.id === 1)!;
      expect(restarted.pid).not.toBe(gate1.pid);
      for (const b of fleet.bots) {
        expect(b.player.id, `bot ${b.index}`).toBe(players.get(b));
        expect(b.resumeFailures, `bot ${b.index}`).toEqual([]);
        expect(b.disconnects, `bot ${b.index}`).toEqual([]);
      }
    } finally {
      await fleet.close();
    }
  });

  it('a client that stays away past resumeGraceMs leaves its entity, which hears onClientDisconnected with the reason', async () => {
    const { Ctor, sockets } = recordingWs();
    const gone = await testClient(d.wsUrls[1]!, { WebSocket: Ctor as unknown as new (url: string) => WebSocket });
    const old = (await gone.waitForPlayer()).id;
    const watcher = await testClient(d.wsUrls[1]!);
    const me = (await watcher.waitForPlayer()).id;
    const tCut = Date.now();
    sockets[0]!.terminate();
    const ask = async () => {
      watcher.calls.length = 0;
      watcher.call(me, 'disconnectOf', old);
      return (await watcher.waitCall('onDisconnectOf')).args[1] as string;
    };
    // Within the grace period the entity still waits: no hook yet.
    expect(await ask()).toBe('');
    let reason = '';
    while (reason === '' && Date.now() - tCut < GRACE_MS + 15_000) {
      await new Promise((r) => setTimeout(r, 250));
      reason = await ask();
    }
    console.log(`onClientDisconnected seen ${Date.now() - tCut} ms after the cut (grace ${GRACE_MS} ms)`);
    // Not before the grace period: the hook waits for it (the lower bound does not depend on speed).
    expect(Date.now() - tCut).toBeGreaterThanOrEqual(GRACE_MS);
    expect(reason).toBe('connection-lost');
    watcher.close();
  });
});
