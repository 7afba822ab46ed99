import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ERROR_CODES } from '../../src/protocol/index.ts';
import { writeFaultGame } from '../fixtures/fault-game.ts';
import { clientPool, type TestClient } from '../support/clients.ts';
import { startDeployment, type TestDeployment } from '../support/deployment.ts';
import { isRunning, wakeStopped } from '../support/processes.ts';
import { createWaiter } from '../support/waiter.ts';

const LIVENESS = { heartbeatMs: 250, timeoutMs: 2000 };
const CLIENTS = 8;

interface Bot {
  client: TestClient;
  id: string;
  gameId: number;
}

/** Connects clients (boot entities go round-robin over the games) and learns which game each is on. */
async function bots(pool: ReturnType<typeof clientPool>): Promise<Bot[]> {
  const out: Bot[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const client = await pool.connect(0);
    const player = await client.waitForPlayer();
    client.call(player.id, 'echo', 0);
    const reply = await client.waitCall('onEcho', (a) => a[0] === 0);
    out.push({ client, id: player.id, gameId: reply.args[1] as number });
  }
  return out;
}

/** Calls `echo` every 50 ms until the client gets an ERROR with `code`; resolves with when it did. */
async function callUntilError(bot: Bot, code: number, seqFrom: number): Promise<number> {
  const waiter = createWaiter();
  const timer = setInterval(() => {
    bot.client.call(bot.id, 'echo', seqFrom++);
    waiter.poke();
  }, 50);
  try {
    await waiter.waitFor(() => bot.client.errors.some((e) => e.code === code), `ERROR ${code}`, 30_000);
    return Date.now();
  } finally {
    clearInterval(timer);
  }
}

function pidOf(d: TestDeployment, status: Awaited<ReturnType<TestDeployment['status']>>, gameId: number): number {
  return status.processes.find((p) => p.role === 'game' && p.id === gameId)!.pid;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// Unsupervised: what the dispatchers and the lost game itself do, without a restart hiding it (supervision.test.ts).
describe.each(['SIGSTOP', 'SIGKILL'] as const)('a game lost to %s', (signal) => {
  let d: TestDeployment;
  let dir: string;
  const pool = clientPool(() => d.wsUrls);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsworld-fault-game-'));
    d = await startDeployment({ entry: writeFaultGame(dir), games: 2, gates: 1, sections: { liveness: LIVENESS, supervision: { enabled: false } } });
  });
  afterAll(async () => {
    pool.closeAll();
    await wakeStopped(d);
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is detected, every call to it fails at once, and calls to the live game are never held', async () => {
    const all = await bots(pool);
    const victims = all.filter((b) => b.gameId === 2);
    const live = all.filter((b) => b.gameId === 1);
    expect(victims.length).toBeGreaterThan(0);
    expect(live.length).toBeGreaterThan(0);
    const pid = pidOf(d, await d.status(), 2);

    const t0 = Date.now();
    process.kill(pid, signal);
    const firstErrors = await Promise.all(victims.map((b, i) => callUntilError(b, CLIENT_ERROR_CODES.UNREACHABLE, 1000 * (i + 1))));
    const toError = firstErrors.map((t) => t - t0);

    // A game calling into the dead one hears CALL_FAILED; a call between live entities is answered.
    const [caller] = live;
    caller!.client.call(caller!.id, 'relay', victims[0]!.id, 7);
    const failed = await caller!.client.waitCall('onCallFailed', (a) => a[0] === victims[0]!.id, 10_000);
    expect(failed.args).toEqual([victims[0]!.id, 'relayed', CLIENT_ERROR_CODES.UNREACHABLE]);
    for (const [i, bot] of live.entries()) {
      bot.client.call(bot.id, 'echo', 5000 + i);
      await bot.client.waitCall('onEcho', (a) => a[0] === 5000 + i, 10_000);
    }
    if (live.length > 1) {
      live[0]!.client.call(live[0]!.id, 'relay', live[1]!.id, 9);
      await live[1]!.client.waitCall('onRelayed', (a) => a[0] === 9, 10_000);
    }
    const log = readFileSync(join(d.dir, 'logs', 'dispatcher1.log'), 'utf8');
    const down = /"detectionMs":(\d+)[^\n]*game declared down/.exec(log) ?? /game declared down[^\n]*"detectionMs":(\d+)/.exec(log);
    const detection = signal === 'SIGSTOP' ? Number(down?.[1]) : 0;
    console.log(
      `${signal}: ${victims.length} clients on the lost game; time to first UNREACHABLE median ${median(toError)} ms, ` +
        `max ${Math.max(...toError)} ms` + (signal === 'SIGSTOP' ? `; detection (silence before DOWN) ${detection} ms, timeout ${LIVENESS.timeoutMs} ms` : ''),
    );
    if (signal === 'SIGSTOP') {
      expect(down, 'the dispatcher logs the silence it saw').not.toBeNull();
      // Declared once the silence reached the timeout: the checks run every heartbeat (a loaded machine
      // may run them late, so the upper bound is loose; the figure is printed above).
      expect(detection).toBeGreaterThanOrEqual(LIVENESS.timeoutMs);
      expect(detection).toBeLessThanOrEqual(2 * LIVENESS.timeoutMs + 1000);
    }
    for (const b of all) expect(b.client.connected, 'no client is disconnected').toBe(true);
  });

  it.runIf(signal === 'SIGSTOP')('fences itself when it wakes: exits without saving, code 76', async () => {
    const pid = pidOf(d, await d.status(), 2);
    process.kill(pid, 'SIGCONT');
    const waiter = createWaiter();
    const poll = setInterval(waiter.poke, 100);
    try {
      await waiter.waitFor(() => !isRunning(pid), 'the fenced game to exit', 20_000);
    } finally {
      clearInterval(poll);
    }
    const log = readFileSync(join(d.dir, 'logs', 'game2.log'), 'utf8');
    expect(log).toMatch(/exiting without saving \(fenced\)/);
    expect(log).not.toMatch(/game stopping: saving entities/);
  });
});
