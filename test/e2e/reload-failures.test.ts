import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCounterGame } from '../fixtures/counter-game.ts';
import type { TestClient } from '../support/clients.ts';
import { startCounterDeployment, type CounterDeployment } from '../support/counter-deployment.ts';
import { tsworld, type TestDeployment } from '../support/deployment.ts';

describe('tsworld reload: new code, broken code, and a schema that cannot be matched', () => {
  let d: TestDeployment;
  let gameDir: string;
  let client: TestClient;
  let seq = 0;

  /** Sends one bump and resolves with its reply: [seq, count, bumps, tag]. */
  async function bump(): Promise<unknown[]> {
    const s = ++seq;
    client.call(client.player!.id, 'bump', s);
    return (await client.waitCall('onBump', (a) => a[0] === s)).args;
  }

  let counter: CounterDeployment;
  beforeAll(async () => {
    counter = await startCounterDeployment();
    ({ d, gameDir, client } = counter);
  });
  afterAll(async () => {
    await counter?.stop();
  });

  it('swaps in new code and keeps the entity state', async () => {
    expect(await bump()).toEqual([1, 1, 1, 'v1']);
    expect(await bump()).toEqual([2, 2, 2, 'v1']);
    writeCounterGame(gameDir, { tag: 'v2' });
    const { stdout } = await tsworld('reload', d.dir);
    expect(stdout).toMatch(/game1: restored by pid \d+ with the new code, pause \d+ ms/);
    // Same entity, same component and attribute values, new code.
    expect(await bump()).toEqual([3, 3, 3, 'v2']);
    expect(client.connected).toBe(true);
  });

  it('swaps code inside the running process with --in-place, and falls back to a process swap for a schema change', async () => {
    const pid = (await d.status()).processes.find((p) => p.role === 'game')!.pid;
    writeCounterGame(gameDir, { tag: 'v2-in-place' });
    const inPlace = await tsworld('reload', d.dir, '--in-place');
    expect(inPlace.stdout).toMatch(/game1: new code running in place \(generation 1\).*tick held [\d.]+ ms/);
    expect((await d.status()).processes.find((p) => p.role === 'game')!.pid).toBe(pid);
    expect(await bump()).toEqual([seq, seq, seq, 'v2-in-place']);

    writeCounterGame(gameDir, { tag: 'v2', extraField: true });
    const fallback = await tsworld('reload', d.dir, '--in-place');
    expect(fallback.stdout).toMatch(/cannot swap in place: .*Stats/);
    expect(fallback.stdout).toMatch(/falling back to a process swap/);
    expect(fallback.stdout).toMatch(/game1: restored by pid \d+/);
    expect((await d.status()).processes.find((p) => p.role === 'game')!.pid).not.toBe(pid);
    // The process swap matched Stats by field name: bumps kept, the new field took its default.
    expect(await bump()).toEqual([seq, seq, seq, 'v2']);
  });

  it('refuses broken code before freezing anything: the old game keeps serving', async () => {
    const pid = (await d.status()).processes.find((p) => p.role === 'game')!.pid;
    writeCounterGame(gameDir, { tag: 'v3', broken: true, extraField: true });
    const err = (await tsworld('reload', d.dir).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/new code for game1 failed to start, the old process keeps running/);
    expect(err.stderr).toMatch(/broken on purpose/);
    expect((await d.status()).processes.find((p) => p.role === 'game')!.pid).toBe(pid);
    expect(await bump()).toEqual([seq, seq, seq, 'v2']);
  });

  it('keeps the snapshot and queues messages when the schema cannot be matched, and --resume recovers', async () => {
    writeCounterGame(gameDir, { tag: 'v4', statsType: 'i32', extraField: true });
    const err = (await tsworld('reload', d.dir).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/restoring game1 failed/);
    expect(err.stderr).toMatch(/Stats\.bumps/);
    expect(err.stderr).toMatch(/tsworld reload .* --resume/);
    expect(existsSync(join(d.dir, 'snapshots', 'game1.snapshot'))).toBe(true);

    // The game is down, the client is not: calls made now wait in the dispatcher's queue.
    const s = ++seq;
    client.call(client.player!.id, 'bump', s);
    expect(client.connected).toBe(true);

    writeCounterGame(gameDir, { tag: 'v5', extraField: true });
    const { stdout } = await tsworld('reload', d.dir, '--resume');
    expect(stdout).toMatch(/game1: restored/);
    expect((await client.waitCall('onBump', (a) => a[0] === s)).args).toEqual([s, s, s, 'v5']);
    expect(await bump()).toEqual([seq, seq, seq, 'v5']);
    expect(client.connected).toBe(true);
  });
});
