import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFaultGame } from '../fixtures/fault-game.ts';
import { testClient } from '../support/clients.ts';
import { startDeployment, tsworld, type TestDeployment } from '../support/deployment.ts';
import { isRunning } from '../support/processes.ts';

type Status = Awaited<ReturnType<TestDeployment['status']>>;
const LIVENESS = { heartbeatMs: 250, timeoutMs: 2000 };

/** Asks `tsworld status --json` (one at a time) until `probe` holds; resolves with it and how long it took. */
async function statusUntil(d: TestDeployment, probe: (s: Status) => boolean, what: string, timeoutMs = 60_000): Promise<{ status: Status; ms: number }> {
  const t0 = Date.now();
  for (;;) {
    const status = await d.status();
    if (probe(status)) return { status, ms: Date.now() - t0 };
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const proc = (s: Status, role: string, id: number) => s.processes.find((p) => p.role === role && p.id === id)!;

describe('the supervisor', () => {
  let d: TestDeployment;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsworld-supervised-'));
    d = await startDeployment({
      entry: writeFaultGame(dir), games: 2, gates: 1,
      sections: { liveness: LIVENESS, supervision: { maxRestarts: 3, withinSec: 120, backoffMs: 100, maxBackoffMs: 1000, hangTimeoutMs: 4000 } },
    });
  });
  afterAll(async () => {
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restarts a game killed with kill -9, which then takes new players; its clients get LOST and a new player', async () => {
    const clients = await Promise.all([0, 1, 2, 3].map(() => testClient(d.wsUrls[0]!)));
    const onGame: number[] = [];
    for (const [i, c] of clients.entries()) {
      c.call((await c.waitForPlayer()).id, 'echo', i);
      onGame.push((await c.waitCall('onEcho', (a) => a[0] === i)).args[1] as number);
    }
    const lostOnes = clients.filter((_, i) => onGame[i] === 2);
    expect(lostOnes.length).toBeGreaterThan(0);
    const before = await d.status();
    const pid = proc(before, 'game', 2).pid;
    const oldPlayers = lostOnes.map((c) => c.player!.id);
    const reasons = lostOnes.map(() => '');
    lostOnes.forEach((c, i) => c.on('lost', (r) => (reasons[i] = r)));
    const tKill = Date.now();
    process.kill(pid, 'SIGKILL');
    const lostLines: string[] = [];
    const newPlayerMs: number[] = [];
    for (const [i, c] of lostOnes.entries()) {
      await c.waitFor(() => reasons[i] !== '' && c.player && c.player.id !== oldPlayers[i], `LOST, then a new player (reason '${reasons[i]}')`);
      newPlayerMs.push(Date.now() - tKill);
      lostLines.push(reasons[i]!);
      c.call(c.player!.id, 'echo', 100 + i);
      await c.waitCall('onEcho', (a) => a[0] === 100 + i);
    }
    for (const c of clients) expect(c.connected, 'no client was disconnected').toBe(true);
    expect(lostLines[0]).toMatch(/game2\) was lost/);
    console.log(`kill -9 game2: ${lostOnes.length} clients got LOST and a new player within ${Math.max(...newPlayerMs)} ms, without reconnecting`);
    for (const c of clients) c.close();
    const { status, ms } = await statusUntil(d, (s) => proc(s, 'game', 2).alive && proc(s, 'game', 2).pid !== pid, 'game2 restarted');
    expect(proc(status, 'game', 2).restarts).toBe(1);
    console.log(`game2 killed with kill -9: running again in ${ms} ms`);
    // Boot entities go round-robin: of two new clients, one lands on the restarted game.
    const games = new Set<number>();
    for (let i = 0; i < 2; i++) {
      const c = await testClient(d.wsUrls[0]!);
      const player = await c.waitForPlayer();
      c.call(player.id, 'echo', 1);
      games.add((await c.waitCall('onEcho')).args[1] as number);
      c.close();
    }
    expect([...games].sort()).toEqual([1, 2]);
  });

  it('kills and restarts a hung game (SIGSTOP: it stops answering its control socket)', async () => {
    const pid = proc(await d.status(), 'game', 1).pid;
    process.kill(pid, 'SIGSTOP');
    const { status, ms } = await statusUntil(d, (s) => proc(s, 'game', 1).alive && proc(s, 'game', 1).pid !== pid, 'game1 replaced');
    expect(isRunning(pid)).toBe(false);
    console.log(`game1 stopped with SIGSTOP: killed and running again in ${ms} ms (hangTimeoutMs 4000)`);
    expect(proc(status, 'game', 1).restarts).toBe(1);
    const log = readFileSync(join(d.dir, 'logs', 'supervisor.log'), 'utf8');
    expect(log).toMatch(/"event":"hung"[^\n]*"process":"game1"/);
  });

  it('restarts a killed gate, and clients connect again', async () => {
    const pid = proc(await d.status(), 'gate', 1).pid;
    process.kill(pid, 'SIGKILL');
    const { ms } = await statusUntil(d, (s) => proc(s, 'gate', 1).alive && proc(s, 'gate', 1).pid !== pid, 'gate1 restarted');
    console.log(`gate1 killed with kill -9: running again in ${ms} ms`);
    const c = await testClient(d.wsUrls[0]!);
    await c.waitForPlayer();
    c.close();
  });

  it('gives up on a process that dies past the restart intensity, says so, and status exits non-zero', async () => {
    // game2 has used 1 of its 3 restarts; three more deaths and it is given up on.
    for (let i = 0; i < 3; i++) {
      const { status } = await statusUntil(d, (s) => proc(s, 'game', 2).alive, 'game2 alive');
      process.kill(proc(status, 'game', 2).pid, 'SIGKILL');
      await statusUntil(d, (s) => !proc(s, 'game', 2).alive || proc(s, 'game', 2).pid !== proc(status, 'game', 2).pid, 'game2 died');
    }
    await statusUntil(d, (s) => (s.processes.find((p) => p.role === 'game' && p.id === 2) as { state?: string }).state === 'GAVE UP', 'game2 given up');
    const exit = await tsworld('status', d.dir).then(() => 0, (err: { code: number; stdout: string }) => {
      expect(err.stdout).toMatch(/game2\s+\d+\s+GAVE UP/);
      return err.code;
    });
    expect(exit).toBe(1);
    expect(readFileSync(join(d.dir, 'logs', 'supervisor.log'), 'utf8')).toMatch(/"event":"gave-up"[^\n]*"process":"game2"/);
  });

  it('`tsworld restart` brings it back by hand, and stop stops the supervisor first', async () => {
    const { stdout } = await tsworld('restart', d.dir, 'game2');
    expect(stdout).toMatch(/restarted game2 as pid \d+/);
    await statusUntil(d, (s) => s.processes.every((p) => p.alive), 'everything alive');
    const supervisorPid = JSON.parse(readFileSync(join(d.dir, '.tsworld', 'run.json'), 'utf8')).supervisor.pid as number;
    const { stdout: stopped } = await tsworld('stop', d.dir);
    expect(stopped.split('\n')[0]).toMatch(/stopped the supervisor/);
    expect(isRunning(supervisorPid)).toBe(false);
  });
});
