import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCounterDeployment, type CounterDeployment } from '../support/counter-deployment.ts';

/** Runs the CLI and keeps its exit code and both streams, failure or not. */
async function reload(c: CounterDeployment, ...flags: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await c.d.cli('reload', c.d.dir, ...flags);
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** The tag of the code that answers a bump now, through the one client, which stays connected throughout. */
async function answeringTag(c: CounterDeployment, seq: number): Promise<string> {
  c.client.call(c.client.player!.id, 'bump', seq);
  return (await c.client.waitCall('onBump', (a) => a[0] === seq)).args[3] as string;
}

/**
 * New code that loads and restores fine but then throws on every tick is not a good reload: it fails
 * its probation, `tsworld reload` says so with the first stack and exits non-zero, and the deployment
 * goes back to the previous code through the same swap. The state carries on; the client stays.
 */
describe.each([
  { name: 'process swap', flags: [] as string[] },
  { name: 'in-place swap', flags: ['--in-place'] },
])('a reload whose new code fails probation ($name)', ({ flags }) => {
  let c: CounterDeployment;
  beforeAll(async () => {
    c = await startCounterDeployment({ hotswap: { probationMs: 1500 } });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('is reported as failed with the first stack, and rolled back to the previous code', async () => {
    expect(await answeringTag(c, 1)).toBe('v1');
    c.write('v2-broken', { failingSystem: true });
    const t0 = Date.now();
    const failed = await reload(c, ...flags);
    const rollbackMs = Date.now() - t0;
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/the new code failed probation: \d+ error\(s\) of game code/);
    expect(failed.out).toMatch(/this system is broken on purpose/);
    expect(failed.out).toMatch(/rolled back/);
    expect(failed.out).not.toMatch(/reload complete/);
    console.log(failed.out);
    console.log(`${flags.join(' ') || 'process swap'}: failed reload reported and rolled back in ${rollbackMs} ms (probation 1500 ms)`);
    // The old code answers again, with the count the broken code left (2 bumps so far).
    c.client.call(c.client.player!.id, 'bump', 2);
    const reply = await c.client.waitCall('onBump', (a) => a[0] === 2);
    expect(reply.args[3]).toBe('v1');
    expect(reply.args[1]).toBe(2);
    expect(c.client.connected).toBe(true);
  });

  it('a good reload after it passes its probation and completes', async () => {
    c.write('v3');
    const ok = await reload(c, ...flags);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toMatch(/probation passed \(0 errors/);
    expect(ok.out).toMatch(/reload complete/);
    expect(await answeringTag(c, 3)).toBe('v3');
  });

  it('with --no-rollback the failing code is reported and keeps running', async () => {
    c.write('v4-broken', { failingSystem: true });
    const failed = await reload(c, ...flags, '--no-rollback');
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/not rolled back \(--no-rollback\)/);
    expect(await answeringTag(c, 4)).toBe('v4-broken');
  });
});
