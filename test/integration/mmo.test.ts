import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyMmoGame, writeMmoVersion } from '../../examples/mmo/copy-game.ts';
import { loadGameModule } from '../../src/roles/game/game-module.ts';
import { createSeqTrack, runBots, type BotFleet } from '../../src/testing/bots/index.ts';
import { BOTS, botsPlayTheMmo } from '../scenarios/mmo.ts';
import { testClient } from '../support/clients.ts';
import { BOT_SWARM_ADMISSION, repoRoot, startDeployment, type TestDeployment } from '../support/deployment.ts';

const entry = join(repoRoot, 'examples', 'mmo', 'game', 'main.ts');

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
    await botsPlayTheMmo(fleet);
  });

  it('ranks the points the players earned in its 4-shard Leaderboard service', async () => {
    const client = await testClient(d.wsUrls[0]!);
    try {
      const me = await client.waitForPlayer();
      client.call(me.id, 'leaderboard');
      await client.waitFor(() => client.calls.filter((c) => c.method === 'onTop').length === 4, 'every shard\'s best');
      const tops = client.calls.filter((c) => c.method === 'onTop').map((c) => c.args as [number, string[], number[]]);
      expect(tops.map(([season]) => season)).toEqual([1, 1, 1, 1]);
      // The bots have played for seconds, earning a point a second each: every shard has some of them.
      const points = tops.flatMap(([, , p]) => p);
      expect(tops.every(([, names]) => names.length > 0)).toBe(true);
      expect(points.every((p) => p >= 1)).toBe(true);
    } finally {
      client.close();
    }
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
