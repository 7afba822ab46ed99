import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCounterGame } from '../fixtures/counter-game.ts';
import { testClient, type TestClient } from '../support/clients.ts';
import { startDeployment, tsworld, type TestDeployment } from '../support/deployment.ts';

/**
 * A scraped deployment (every process has a metrics port) can be hot swapped: the frozen game hands
 * its metrics port over, and the successor serves it once it has restored.
 */
describe('tsworld reload with metrics ports', () => {
  let d: TestDeployment;
  let gameDir: string;
  let client: TestClient;

  beforeAll(async () => {
    gameDir = mkdtempSync(join(tmpdir(), 'tsworld-counter-'));
    const entry = writeCounterGame(gameDir, { tag: 'v1' });
    d = await startDeployment({ entry, games: 1, gates: 1, metrics: true });
    client = await testClient(d.wsUrls[0]);
    await client.waitForPlayer();
  });
  afterAll(async () => {
    client?.close();
    await d?.stop();
    rmSync(gameDir, { recursive: true, force: true });
  });

  it('swaps twice, keeps the client, and the new game serves the same metrics port', async () => {
    const port = d.config.games[0].metricsPort!;
    const startTime = (text: string) => /tsworld_process_start_time_seconds\{[^}]*\} (\d+)/.exec(text)?.[1];
    const before = startTime(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    expect(before).toBeDefined();
    for (const tag of ['v2', 'v3']) {
      writeCounterGame(gameDir, { tag });
      const { stdout } = await tsworld('reload', d.dir);
      expect(stdout).toMatch(/game1: restored by pid \d+ with the new code/);
    }
    const after = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(after).toMatch(/tsworld_tick_duration_seconds_count\{[^}]*role="game"/);
    // Served by the successor, a process started after the first one.
    expect(Number(startTime(after))).toBeGreaterThanOrEqual(Number(before));
    expect(startTime(after)).not.toBeUndefined();
    client.call(client.player!.id, 'bump', 1);
    expect((await client.waitCall('onBump', (a) => a[0] === 1)).args[3]).toBe('v3');
    expect(client.connected).toBe(true);
  });
});
