import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCounterDeployment, type CounterDeployment } from '../support/counter-deployment.ts';
import { tsworld } from '../support/deployment.ts';

/**
 * A scraped deployment (every process has a metrics port) can be hot swapped: the frozen game hands
 * its metrics port over, and the successor serves it once it has restored.
 */
describe('tsworld reload with metrics ports', () => {
  let c: CounterDeployment;
  beforeAll(async () => {
    c = await startCounterDeployment({ metrics: true });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('swaps twice, keeps the client, and the new game serves the same metrics port', async () => {
    const port = c.d.config.games[0].metricsPort!;
    const startTime = (text: string) => /tsworld_process_start_time_seconds\{[^}]*\} (\d+)/.exec(text)?.[1];
    const before = startTime(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    expect(before).toBeDefined();
    for (const tag of ['v2', 'v3']) {
      c.write(tag);
      const { stdout } = await tsworld('reload', c.d.dir);
      expect(stdout).toMatch(/game1: restored by pid \d+ with the new code/);
    }
    const after = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(after).toMatch(/tsworld_tick_duration_seconds_count\{[^}]*role="game"/);
    // Served by the successor, a process started after the first one.
    expect(Number(startTime(after))).toBeGreaterThanOrEqual(Number(before));
    expect(startTime(after)).not.toBeUndefined();
    c.client.call(c.client.player!.id, 'bump', 1);
    expect((await c.client.waitCall('onBump', (a) => a[0] === 1)).args[3]).toBe('v3');
    expect(c.client.connected).toBe(true);
  });
});
