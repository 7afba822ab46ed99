import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyMmoGame, writeMmoVersion } from '../../examples/mmo/copy-game.ts';
import { TAG } from '../../examples/mmo/game/version.ts';
import { loadGameModule } from '../../src/roles/game/game-module.ts';
import { createSeqTrack, runBots, type BotFleet, type BotRecord } from '../../src/testing/bots/index.ts';
import { BOT_SWARM_ADMISSION, repoRoot, startDeployment, type TestDeployment } from '../support/deployment.ts';

const entry = join(repoRoot, 'examples', 'mmo', 'game', 'main.ts');
const BOTS = 50;
const CALLS_PER_CHANNEL = 20;
/** Quantized position sync is off by at most 1/32 unit. */
const POSITION_TOLERANCE = 0.1;

const gameOf = (bot: BotRecord) => bot.player.attrs.gameId as number;
const near = (a: { x: number; z: number }, b: { x: number; z: number }) =>
  Math.abs(a.x - b.x) <= POSITION_TOLERANCE && Math.abs(a.z - b.z) <= POSITION_TOLERANCE;

describe('mmo example on a real deployment (1 dispatcher, 2 games, 1 gate) under 50 bots', () => {
  let d: TestDeployment;
  let fleet: BotFleet | undefined;

  beforeAll(async () => {
    d = await startDeployment({ entry, games: 2, gates: 1, gateDefaults: BOT_SWARM_ADMISSION });
  });
  afterAll(async () => {
    await fleet?.close();
    if (d) {
      const dir = d.dir;
      await d.stop();
      const { stdout } = await d.cli('status', dir, '--json');
      expect(JSON.parse(stdout).processes).toEqual([]);
    }
  });

  it('answers every echo and crossCall exactly once and in order, moves everyone, and drops no one', async () => {
    fleet = await runBots({ url: d.wsUrls, count: BOTS, moveHz: 5, rpcHz: 4, seed: 7 });
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
      // The answer travelled through the other game's Beacon.
      expect(new Set(cross.replies.map((r) => r.args[1]))).toEqual(new Set([3 - gameOf(bot)]));
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
  });
});

describe('bot harness sequence check', () => {
  it('accepts 1..n in order and names gaps, duplicates, reorderings and unsent seqs', () => {
    const ok = createSeqTrack();
    for (let i = 0; i < 3; i++) ok.next();
    expect([1, 2, 3].map((s) => ok.reply(s))).toEqual([true, true, true]);
    expect(ok.violations).toEqual([]);
    expect(ok.missing()).toEqual([]);

    const bad = createSeqTrack();
    for (let i = 0; i < 5; i++) bad.next();
    expect([1, 3, 2, 3, 9].map((s) => bad.reply(s))).toEqual([true, false, false, false, false]);
    expect(bad.violations).toEqual([
      'seq 3 arrived while 2 was expected (gap or reordering)',
      'seq 2 arrived after later seqs (reordered; expected 4)',
      'duplicate reply for seq 3',
      'reply for seq 9, never sent (sent 1..5)',
    ]);
    expect(bad.answered).toBe(3);
    expect(bad.missing()).toEqual([4, 5]);
  });
});

describe('mmo game directory copied elsewhere', () => {
  it('loads from the copy with the engine found through engine.ts, and picks up an edited version.ts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsworld-mmo-copy-'));
    try {
      const copy = join(dir, 'game');
      const copyEntry = copyMmoGame(copy);
      writeMmoVersion(copy, { tag: 'v2', monsterSpeed: 30 });
      const game = await loadGameModule(copyEntry);
      expect(game.bootEntity).toBe('Player');
      expect(game.entityTypes.map((t) => t.name)).toEqual(['Player', 'Monster', 'Beacon']);
      const version = (await import(join(copy, 'version.ts'))) as { TAG: string; MONSTER_SPEED: number };
      expect(version).toMatchObject({ TAG: 'v2', MONSTER_SPEED: 30 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
