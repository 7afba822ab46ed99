import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TAG } from '../../examples/mmo/game/version.ts';
import { AOI_RADIUS } from '../../examples/mmo/game/layout.ts';
import { runBots, type BotFleet, type BotRecord } from '../../src/testing/bots/index.ts';
import { BOT_SWARM_ADMISSION, repoRoot, startDeployment, tsworld, type TestDeployment } from '../support/deployment.ts';

const entry = join(repoRoot, 'examples', 'mmo', 'game', 'main.ts');

/**
 * Bots walk through the mmo's portals (a square in the middle of each game's World that moves a player
 * to the other game) for WALK_MS while every bot keeps sending sequence-numbered echo and crossCall:
 * nothing may be lost, duplicated or reordered, nobody disconnected, and the players' timers and
 * attributes come through every hop. The checks hold however loaded the machine is; the figures
 * (migrations, round trips) are printed. MIGRATION_BOTS overrides the 200 bots.
 */
const BOTS = Number(process.env.MIGRATION_BOTS ?? 200);
const WALK_MS = 30_000;
/**
 * The walk stays inside the portal (225..275 on x and z): every bot goes through it again as soon as its
 * cooldown (2 s) is over, wherever its random walk takes it.
 */
const AREA = { minX: 228, maxX: 272, minZ: 228, maxZ: 272 };
const POSITION_TOLERANCE = 0.1;

function hopsOf(bot: BotRecord): number {
  return bot.player.attrs.hops as number;
}

const DISPATCHER_COUNTS = [1, 2];

describe.each(DISPATCHER_COUNTS)('migration under load (%i dispatcher(s), 2 games, 1 gate)', (dispatchers) => {
  let d: TestDeployment;
  let fleet: BotFleet | undefined;

  beforeAll(async () => {
    d = await startDeployment({ entry, dispatchers, games: 2, gates: 1, gateDefaults: BOT_SWARM_ADMISSION });
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
    await d?.stop();
  }, 60_000);

  it(`${BOTS} bots walk through the portals for ${WALK_MS / 1000} s: 0 lost, duplicated or reordered replies, 0 disconnects, timers and attributes intact`, async () => {
    fleet = await runBots({ url: d.wsUrls, count: BOTS, moveHz: 5, rpcHz: 2, speed: 25, area: AREA, seed: 9, connectTimeoutMs: 60_000 });
    const bots = fleet.bots;
    const names = bots.map((b) => b.player.attrs.name as string);
    const startScores = bots.map((b) => b.player.attrs.score as number);
    const spaceEvents = bots.map(() => [] as { spaceId: string; gameId: number }[]);
    bots.forEach((b, i) => b.client.on('space', (spaceId, gameId) => spaceEvents[i]!.push({ spaceId, gameId })));
    const started = performance.now();

    await new Promise((resolve) => setTimeout(resolve, WALK_MS));
    await fleet.drain(30_000);
    const walkedS = (performance.now() - started) / 1000;
    const report = fleet.report();
    const hops = bots.map(hopsOf).sort((a, b) => a - b);
    const total = hops.reduce((a, b) => a + b, 0);
    console.log(JSON.stringify({
      dispatchers, bots: BOTS, walkedS: Math.round(walkedS), migrations: total, hopsMin: hops[0], hopsMedian: hops[Math.floor(hops.length / 2)], hopsMax: hops.at(-1),
      echo: report.channels.echo, cross: report.channels.cross, disconnects: report.disconnects, serverErrors: report.serverErrors,
    }));

    expect(report.problems).toEqual([]);
    expect(report.disconnects).toBe(0);
    expect(report.channels.echo!.received).toBe(report.channels.echo!.sent);
    expect(report.channels.cross!.received).toBe(report.channels.cross!.sent);
    // Every bot went through a portal, most of them several times.
    expect(hops[0]).toBeGreaterThanOrEqual(1);
    expect(total).toBeGreaterThanOrEqual(2 * BOTS);

    for (const [i, bot] of bots.entries()) {
      const echo = bot.channels.get('echo')!;
      const cross = bot.channels.get('cross')!;
      expect(echo.replies.map((r) => r.seq)).toEqual(Array.from({ length: echo.track.sent }, (_, k) => k + 1));
      expect(cross.replies.map((r) => r.seq)).toEqual(Array.from({ length: cross.track.sent }, (_, k) => k + 1));
      expect(new Set(echo.replies.map((r) => r.args[1]))).toEqual(new Set([TAG]));
      for (const r of cross.replies) expect([1, 2]).toContain(r.args[1]);
      // Attributes came along (the name was set once, at creation) and say where the player is now.
      expect(bot.player.attrs.name).toBe(names[i]);
      // The score timer (once a second of world time) kept running through every hop, once: a timer lost
      // at one of its ~10 hops would stop the score there, a duplicated one would double its rate. The
      // lower bound is loose because a game whose ticks overrun lets world time fall behind the wall clock.
      const earned = (bot.player.attrs.score as number) - startScores[i]!;
      expect(earned, `bot ${i} score over ${Math.round(walkedS)} s and ${hopsOf(bot)} hops`).toBeGreaterThanOrEqual(Math.floor(walkedS * 0.4));
      expect(earned, `bot ${i} score over ${Math.round(walkedS)} s and ${hopsOf(bot)} hops`).toBeLessThanOrEqual(Math.ceil(walkedS) + 3);
    }

    // AOI at the end, against a brute-force check: every bot walks out of the portal to its own spot
    // (sent again until it sticks, since a move sent during a hand-off is dropped), then every player in
    // range on the same game must be seen, and every player seen must be on that game and in range.
    const spots = bots.map((_, i) => ({ x: 100 + (i % 20) * 8, z: 100 + Math.floor(i / 20) * 7 }));
    const resend = setInterval(() => bots.forEach((b, i) => b.client.syncPosition(spots[i]!.x, 0, spots[i]!.z, 0)), 300);
    try {
      const at = (e: { x: number; z: number }, p: { x: number; z: number }) => Math.abs(e.x - p.x) <= POSITION_TOLERANCE && Math.abs(e.z - p.z) <= POSITION_TOLERANCE;
      const spotOf = new Map(bots.map((b, i) => [b.player.id, spots[i]!]));
      await fleet.waitUntil('every bot at its spot, and seen there', (b) => {
        if (!at(b.player, spots[b.index]!)) return false;
        return [...b.client.entities.values()].every((e) => e.isPlayer || !spotOf.has(e.id) || at(e, spotOf.get(e.id)!));
      }, 30_000);
      // Past the cooldown of the last hop, and a few position syncs later: nothing moves any more.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      let pairs = 0;
      for (const b of bots) {
        // Told where it is: the last space event names its game (the World it entered there).
        expect(spaceEvents[b.index]!.at(-1)?.gameId, `bot ${b.index}'s last space event`).toBe(b.player.attrs.gameId);
        const game = b.player.attrs.gameId;
        const seen = new Set([...b.client.entities.values()].filter((e) => !e.isPlayer && spotOf.has(e.id)).map((e) => e.id));
        for (const other of bots) {
          if (other === b || other.player.attrs.gameId !== game) continue;
          const dist = Math.hypot(spots[other.index]!.x - spots[b.index]!.x, spots[other.index]!.z - spots[b.index]!.z);
          if (dist < AOI_RADIUS - 1) expect(seen.has(other.player.id), `bot ${b.index} sees bot ${other.index} at ${dist.toFixed(1)}`).toBe(true);
          if (dist > AOI_RADIUS + 1) expect(seen.has(other.player.id), `bot ${b.index} does not see bot ${other.index} at ${dist.toFixed(1)}`).toBe(false);
          if (seen.has(other.player.id)) pairs++;
        }
        for (const id of seen) expect(bots.find((o) => o.player.id === id)!.player.attrs.gameId, `bot ${b.index} sees only players of its game`).toBe(game);
      }
      expect(pairs).toBeGreaterThan(0);
    } finally {
      clearInterval(resend);
    }
  }, 240_000);
});

/**
 * Migrations racing a hot swap: while 100 bots hop through the portals, `tsworld reload` freezes each
 * game in turn and hands it to a successor. Frames of a migration towards or from a frozen game wait in
 * its dispatcher's freeze queue like any other (SPEC.md "Migration"); nothing may be lost or duplicated.
 */
describe.each(DISPATCHER_COUNTS)('migration racing a process hot swap (%i dispatcher(s), 2 games, 1 gate)', (dispatchers) => {
  const SWAP_BOTS = 100;
  let d: TestDeployment;
  let fleet: BotFleet | undefined;

  beforeAll(async () => {
    // With 2, a pack can wait behind the order barrier while its game freezes: the freeze waits for it.
    d = await startDeployment({ entry, dispatchers, games: 2, gates: 1, gateDefaults: BOT_SWARM_ADMISSION });
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
    await d?.stop();
  }, 60_000);

  it(`${SWAP_BOTS} bots hop through the portals while both games are swapped: 0 lost, duplicated or reordered replies, 0 disconnects`, async () => {
    fleet = await runBots({ url: d.wsUrls, count: SWAP_BOTS, moveHz: 5, rpcHz: 2, speed: 25, area: AREA, seed: 11, connectTimeoutMs: 60_000 });
    const bots = fleet.bots;
    const ids = bots.map((b) => b.player.id);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const hopsBefore = bots.reduce((n, b) => n + hopsOf(b), 0);
    const { stdout } = await tsworld('reload', d.dir);
    expect([...stdout.matchAll(/pause (\d+) ms/g)]).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    await fleet.drain(30_000);
    const report = fleet.report();
    const hopsAfter = bots.reduce((n, b) => n + hopsOf(b), 0);
    console.log(JSON.stringify({ dispatchers, swap: stdout.trim().split('\n').join(' | '), hopsBefore, hopsAfter, echo: report.channels.echo, cross: report.channels.cross }));
    expect(report.problems).toEqual([]);
    expect(report.disconnects).toBe(0);
    expect(report.channels.echo!.received).toBe(report.channels.echo!.sent);
    expect(report.channels.cross!.received).toBe(report.channels.cross!.sent);
    expect(bots.map((b) => b.player.id)).toEqual(ids);
    // They kept hopping, through the swaps and after them.
    expect(hopsAfter).toBeGreaterThan(hopsBefore + SWAP_BOTS);
  }, 240_000);
});
