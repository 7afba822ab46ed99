import { expect } from 'vitest';
import { TAG } from '../../examples/mmo/game/version.ts';
import type { BotFleet, BotRecord } from '../../src/testing/bots/index.ts';

/**
 * The mmo scenario, written once and run twice: on real processes (test/integration/mmo.test.ts) and on
 * an in-process cluster with the system clock (test/unit/testing/mmo-in-process.test.ts).
 */
export const BOTS = 50;
const CALLS_PER_CHANNEL = 20;
/** Quantized position sync is off by at most 1/32 unit. */
const POSITION_TOLERANCE = 0.1;

const gameOf = (bot: BotRecord) => bot.player.attrs.gameId as number;
const near = (a: { x: number; z: number }, b: { x: number; z: number }) =>
  Math.abs(a.x - b.x) <= POSITION_TOLERANCE && Math.abs(a.z - b.z) <= POSITION_TOLERANCE;

/** Every echo and crossCall answered exactly once and in order, everyone moves, nobody is dropped. */
export async function botsPlayTheMmo(fleet: BotFleet): Promise<void> {
  const startScores = fleet.bots.map((b) => b.player.attrs.score as number);
  expect(new Set(fleet.bots.map(gameOf)), 'players on both games').toEqual(new Set([1, 2]));

  // Runs until every bot made CALLS_PER_CHANNEL calls of each kind (about 5 s at 4 Hz).
  await fleet.waitUntil(
    `${CALLS_PER_CHANNEL} calls per channel`,
    (b) => [...b.channels.values()].every((c) => c.track.sent >= CALLS_PER_CHANNEL),
    30_000,
  );
  await fleet.drain(20_000);
  const report = fleet.report();
  expect(report.problems).toEqual([]);
  expect(report.disconnects).toBe(0);
  expect(report.channels.echo.sent).toBeGreaterThanOrEqual(BOTS * CALLS_PER_CHANNEL);
  expect(report.channels.echo.received).toBe(report.channels.echo.sent);
  expect(report.channels.cross.received).toBe(report.channels.cross.sent);

  for (const bot of fleet.bots) {
    const echo = bot.channels.get('echo')!;
    const cross = bot.channels.get('cross')!;
    expect(echo.replies.map((r) => r.seq)).toEqual(Array.from({ length: echo.track.sent }, (_, i) => i + 1));
    expect(cross.replies.map((r) => r.seq)).toEqual(Array.from({ length: cross.track.sent }, (_, i) => i + 1));
    expect(new Set(echo.replies.map((r) => r.args[1]))).toEqual(new Set([TAG]));
    // The answer travelled through the other game's Beacon: the other game of wherever the player was
    // when it called, which is its game now unless it went through the portal (examples/mmo layout.ts).
    if (bot.player.attrs.hops === 0) expect(new Set(cross.replies.map((r) => r.args[1]))).toEqual(new Set([3 - gameOf(bot)]));
    else for (const r of cross.replies) expect([1, 2]).toContain(r.args[1]);
  }

  // AOI: every bot was told of other entities and gets their moves; players see players too.
  expect(report.botsSeeingOthers).toBe(BOTS);
  expect(report.botsWithPositionUpdates).toBe(BOTS);
  const seenTypes = new Set(fleet.bots.flatMap((b) => [...b.seen.values()]));
  expect(seenTypes).toEqual(new Set(['Monster', 'Player']));

  // Client-driven movement: each bot's last sent position comes back to it and to everyone who sees it.
  const byPlayer = new Map(fleet.bots.map((b) => [b.player.id, b]));
  let watchedPairs = 0;
  await fleet.waitUntil(
    'positions settled on the last moves',
    (b) => {
      if (!near(b.player, b.position)) return false;
      for (const e of b.client.entities.values()) {
        const mover = e.isPlayer ? undefined : byPlayer.get(e.id);
        if (mover && !near(e, mover.position)) return false;
      }
      return true;
    },
    10_000,
  );
  for (const b of fleet.bots) for (const e of b.client.entities.values()) if (!e.isPlayer && byPlayer.has(e.id)) watchedPairs++;
  expect(watchedPairs, 'some players see other players').toBeGreaterThan(0);

  // The score timer ran for every player.
  await fleet.waitUntil('scores rose', (b) => (b.player.attrs.score as number) > startScores[b.index], 10_000);
  expect(fleet.report().problems).toEqual([]);
}
