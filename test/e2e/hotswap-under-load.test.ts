import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyMmoGame, writeMmoVersion } from '../../examples/mmo/copy-game.ts';
import { runBots, type BotFleet } from '../../src/testing/bots/index.ts';
import { BOT_SWARM_ADMISSION, startDeployment, tsworld, type TestDeployment } from '../support/deployment.ts';

const BOTS = 200;

/**
 * The headline: game code changes while 200 players move at 10 Hz and fire ordered RPCs, within a game
 * and across games. Nobody is disconnected, no reply is lost, duplicated or reordered, state carries
 * over, and the new code answers afterwards. Once with a process swap, once in place.
 */
describe('hot swap under load: 200 bots, 1 dispatcher, 2 games, 1 gate', () => {
  let d: TestDeployment;
  let gameDir: string;
  let fleet: BotFleet;

  beforeAll(async () => {
    gameDir = mkdtempSync(join(tmpdir(), 'tsworld-mmo-'));
    const entry = copyMmoGame(gameDir);
    writeMmoVersion(gameDir, { tag: 'v1', monsterSpeed: 10 });
    // Scraped, as a real deployment is: every process has a metrics port, which the swaps hand over.
    d = await startDeployment({ entry, games: 2, gates: 1, metrics: true, gameDefaults: { tickHz: 20, positionSyncHz: 10 }, gateDefaults: BOT_SWARM_ADMISSION });
    fleet = await runBots({ url: d.wsUrls, count: BOTS, moveHz: 10, rpcHz: 2, seed: 11 });
  }, 120_000);
  afterAll(async () => {
    await fleet?.close().catch(() => undefined);
    await d?.stop();
    rmSync(gameDir, { recursive: true, force: true });
  });

  /** Every bot has made `n` more calls on every channel than it had when this was called. */
  async function moreCalls(n: number, what: string): Promise<void> {
    const base = new Map(fleet.bots.map((b) => [b, [...b.channels.values()].map((c) => c.track.sent)]));
    await fleet.waitUntil(what, (b) => [...b.channels.values()].every((c, i) => c.track.sent >= base.get(b)![i] + n), 60_000);
  }

  /**
   * The games are swapped one after the other, and a player may walk through the mmo's portal to the
   * other game meanwhile (a migration), so only a player that stayed on its game sees the old tag then
   * the new one, switching exactly once. Every player is answered by new code for whatever it sent once
   * the reload was done (`sentBySwapEnd`: its echo count then).
   */
  function expectSwitch(from: string, to: string, sentBySwapEnd: number[]): void {
    fleet.bots.forEach((b, i) => {
      const replies = b.channels.get('echo')!.replies;
      expect(replies.filter((r) => r.seq > sentBySwapEnd[i]!).every((r) => r.args[1] === to)).toBe(true);
      expect(replies.at(-1)!.args[1]).toBe(to);
      if (b.player.attrs.hops !== 0) return;
      const tags = replies.map((r) => r.args[1] as string);
      const first = tags.indexOf(to);
      expect(first).toBeGreaterThan(0);
      expect(tags.slice(0, first).every((t) => t === from)).toBe(true);
      expect(tags.slice(first).every((t) => t === to)).toBe(true);
    });
  }

  it('process swap (tsworld reload) mid-run', async () => {
    await moreCalls(4, 'warm-up calls');
    const playerIds = fleet.bots.map((b) => b.player.id);
    const scoresBefore = fleet.bots.map((b) => b.player.attrs.score as number);

    writeMmoVersion(gameDir, { tag: 'v2', monsterSpeed: 25 });
    const { stdout } = await tsworld('reload', d.dir);
    // Calls made from here on reach only new code: both games run v2 once reload returns.
    const sentBySwapEnd = fleet.bots.map((b) => b.channels.get('echo')!.track.sent);
    const pauses = [...stdout.matchAll(/pause (\d+) ms/g)].map((m) => Number(m[1]));
    expect(pauses).toHaveLength(2);
    console.log(`process swap under ${BOTS} bots: ${stdout.trim().split('\n').join(' | ')}`);

    await moreCalls(4, 'calls after the swap');
    // The successors serve the games' metrics ports.
    for (const game of d.config.games) {
      const res = await fetch(`http://127.0.0.1:${game.metricsPort}/metrics`);
      expect(await res.text()).toMatch(/tsworld_tick_duration_seconds_count\{[^}]*role="game"/);
    }
    await fleet.drain(30_000);
    const report = fleet.report();
    expect(report.problems).toEqual([]);
    expect(report.disconnects).toBe(0);
    expect(report.channels.echo.received).toBe(report.channels.echo.sent);
    expect(report.channels.cross.received).toBe(report.channels.cross.sent);

    // Same players (no re-creation on the client), scores kept counting from where they were.
    expect(fleet.bots.map((b) => b.player.id)).toEqual(playerIds);
    fleet.bots.forEach((b, i) => expect(b.player.attrs.score as number).toBeGreaterThanOrEqual(scoresBefore[i]));
    expectSwitch('v1', 'v2', sentBySwapEnd);
  });

  it('in-place reload (tsworld reload --in-place) mid-run', async () => {
    const restartPids = (await d.status()).processes.filter((p) => p.role === 'game').map((p) => p.pid);
    fleet = await runBots({ url: d.wsUrls, count: BOTS, moveHz: 10, rpcHz: 2, seed: 12 }).then(async (fresh) => {
      await fleet.close();
      return fresh;
    });
    await moreCalls(4, 'warm-up calls');
    writeMmoVersion(gameDir, { tag: 'v3', monsterSpeed: 40 });
    const { stdout } = await tsworld('reload', d.dir, '--in-place');
    const sentBySwapEnd = fleet.bots.map((b) => b.channels.get('echo')!.track.sent);
    expect(stdout).toMatch(/game1: new code running in place/);
    expect(stdout).toMatch(/game2: new code running in place/);
    console.log(`in-place swap under ${BOTS} bots: ${stdout.trim().split('\n').join(' | ')}`);
    // Same processes: nothing restarted.
    expect((await d.status()).processes.filter((p) => p.role === 'game').map((p) => p.pid)).toEqual(restartPids);

    await moreCalls(4, 'calls after the in-place swap');
    await fleet.drain(30_000);
    const report = fleet.report();
    expect(report.problems).toEqual([]);
    expect(report.disconnects).toBe(0);
    expectSwitch('v2', 'v3', sentBySwapEnd);
  });
});
