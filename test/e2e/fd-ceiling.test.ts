import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCounterGame } from '../fixtures/counter-game.ts';
import { testClient, type TestClient } from '../support/clients.ts';
import { BOT_SWARM_ADMISSION } from '../support/deployment.ts';
import { cpuSeconds, scrape, spawnRoleProcess, writeSmallDeployment, type RoleProcess } from '../support/role-processes.ts';

/** The gate's descriptor limit (soft = hard), set with prlimit; the default fdReserve (256) leaves a cap of 256. */
const FD_LIMIT = 512;
const CAP = FD_LIMIT - 256;
/** Twice the limit: every descriptor the gate has, asked for twice over. */
const ATTEMPTS = 2 * FD_LIMIT;
const WAVE = 128;

describe('gate at its descriptor ceiling', () => {
  let deployment: Awaited<ReturnType<typeof writeSmallDeployment>>;
  let gameDir: string;
  let roles: RoleProcess[] = [];
  let gate: RoleProcess;
  const held: TestClient[] = [];

  beforeAll(async () => {
    gameDir = mkdtempSync(join(tmpdir(), 'tsworld-fd-game-'));
    deployment = await writeSmallDeployment({ entry: writeCounterGame(gameDir, { tag: 'fd' }), gateDefaults: { ...BOT_SWARM_ADMISSION } });
    const common = { configPath: deployment.configPath, logDir: join(deployment.dir, 'logs') };
    roles.push(await spawnRoleProcess({ ...common, role: 'dispatcher', id: 1 }));
    const started = await Promise.all([
      spawnRoleProcess({ ...common, role: 'game', id: 1 }),
      spawnRoleProcess({ ...common, role: 'gate', id: 1, prefix: ['prlimit', `--nofile=${FD_LIMIT}:${FD_LIMIT}`, '--'] }),
    ]);
    roles.push(...started);
    gate = started[1];
  });

  afterAll(async () => {
    for (const c of held.splice(0)) c.close();
    for (const role of roles.reverse()) await role.stop();
    roles = [];
    deployment?.remove();
    rmSync(gameDir, { recursive: true, force: true });
  });

  it(`holds ${CAP} clients, refuses the rest of ${ATTEMPTS} attempts with 503, stays idle, and serves the ones it holds`, async () => {
    const url = `ws://127.0.0.1:${deployment.config.gates[0].port}/ws`;
    let refused = 0;
    for (let sent = 0; sent < ATTEMPTS; sent += WAVE) {
      const wave = await Promise.allSettled(Array.from({ length: Math.min(WAVE, ATTEMPTS - sent) }, () => testClient(url)));
      for (const r of wave) {
        if (r.status === 'fulfilled') held.push(r.value);
        else refused++;
      }
    }
    // Every attempt got an answer: held, or refused at the upgrade (none hung on a full accept queue).
    expect(held.length + refused).toBe(ATTEMPTS);
    expect(held.length).toBe(CAP);
    expect(await scrape(deployment.config.gates[0].metricsPort, 'tsworld_refused_total', { limit: 'connections-fd-cap' })).toBe(refused);

    // At the cap and idle but for heartbeats: no accept() loop spinning on EMFILE.
    const before = cpuSeconds(gate.pid);
    const start = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const cpu = (cpuSeconds(gate.pid) - before) / ((performance.now() - start) / 1000);
    console.log(`gate at the descriptor cap: ${held.length} clients held, ${refused} refused, CPU ${(cpu * 100).toFixed(1)}% of a core over 5 s`);
    expect(cpu).toBeLessThan(0.1);

    // The clients it holds are served: each of a sample gets its reply.
    const sample = held.filter((_, i) => i % 16 === 0);
    sample.forEach((c, i) => c.call(c.player!.id, 'bump', i));
    await Promise.all(sample.map((c, i) => c.waitCall('onBump', (args) => args[0] === i, 30_000)));

    // A freed slot is taken again: the cap counts open connections, not attempts.
    for (const c of held.splice(0, 8)) c.close();
    const again = await waitForAdmission(url, 8);
    held.push(...again);
    expect(again).toHaveLength(8);

    const log = readFileSync(gate.logFile, 'utf8');
    expect(log.match(/connection cap reached/g)).toHaveLength(1);
    expect(log).toMatch(/"connectionCap":256/);
    expect(gate.exited()).toBeNull();
  }, 110_000);
});

/** Connects `n` clients once the gate has seen the closes free their slots (a close takes a moment to arrive). */
async function waitForAdmission(url: string, n: number): Promise<TestClient[]> {
  const got: TestClient[] = [];
  const deadline = Date.now() + 20_000;
  while (got.length < n && Date.now() < deadline) {
    try {
      got.push(await testClient(url));
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return got;
}
