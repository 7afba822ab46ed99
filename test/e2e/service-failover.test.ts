import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeServiceGame } from '../fixtures/service-game.ts';
import { clientPool, type TestClient } from '../support/clients.ts';
import { startDeployment, type TestDeployment } from '../support/deployment.ts';
import { isRunning, wakeStopped } from '../support/processes.ts';
import { createWaiter } from '../support/waiter.ts';

/** What the test allows; the issue asks for the shard back within 2 s. */
const FAILOVER_BOUND_MS = 2000;
const SEND_EVERY_MS = 10;
const KILL_AT_SEQ = 150;
const LAST_SEQ = 450;

type Ack = { seq: number; gameId: number; instance: string; count: number; dups: number; at: number };

function lines(d: TestDeployment, file: string): Record<string, unknown>[] {
  return readFileSync(join(d.dir, 'logs', file), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * The game holding the persistent Ledger shard is killed with SIGKILL while a player on the other game
 * sends it sequence-numbered calls. The Ledger saves each call before it answers, so an answered call is
 * durable. Supervision is off, so the shard can only come back by failing over.
 */
describe('a service shard whose game is killed', () => {
  let d: TestDeployment;
  let dir: string;
  const pool = clientPool(() => d.wsUrls);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsworld-service-failover-'));
    d = await startDeployment({ entry: writeServiceGame(dir), games: 2, gates: 1, metrics: true, sections: { supervision: { enabled: false } } });
  }, 120_000);
  afterAll(async () => {
    pool.closeAll();
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is back on the other game within 2 s with its saved state; calls are answered once, in order', async () => {
    const probe = await pool.connect(0);
    const probeId = (await probe.waitForPlayer()).id;
    probe.call(probeId, 'awaitReady');
    await probe.waitCall('onReady');
    probe.call(probeId, 'where');
    const [victimGame, firstInstance] = (await probe.waitCall('onWhere')).args as [number, string];
    const survivor = victimGame === 1 ? 2 : 1;
    const { client, id } = await playerOn(pool, survivor);
    const victimPid = (await d.status()).processes.find((p) => p.role === 'game' && p.id === victimGame)!.pid;

    const acks: Ack[] = [];
    client.on('call', (_e, method, args) => {
      if (method !== 'onAck') return;
      const [seq, gameId, instance, count, dups] = args as [number, number, string, number, number];
      acks.push({ seq, gameId, instance, count, dups, at: Date.now() });
    });
    const sentAt: number[] = [];
    let killedAt = 0;
    await new Promise<void>((resolve) => {
      let seq = 1;
      const timer = setInterval(() => {
        sentAt[seq] = Date.now();
        client.call(id, 'send', seq);
        if (seq === KILL_AT_SEQ) {
          killedAt = Date.now();
          process.kill(victimPid, 'SIGKILL');
        }
        if (++seq > LAST_SEQ) {
          clearInterval(timer);
          resolve();
        }
      }, SEND_EVERY_MS);
    });
    // client.calls is what the client's waiter watches (this test's own listener runs after its poke).
    await client.waitFor(() => client.calls.some((c) => c.method === 'onAck' && c.args[0] === LAST_SEQ), 'the answer to the last call', 20_000);

    const before = acks.filter((a) => a.gameId === victimGame);
    const after = acks.filter((a) => a.gameId === survivor);
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(before.map((a) => a.instance))).toEqual(new Set([firstInstance]));
    // Never two instances: once the new one answered, the old one never did again, and only one new one.
    const firstNew = acks.indexOf(after[0]!);
    expect(acks.slice(firstNew).every((a) => a.gameId === survivor)).toBe(true);
    expect(new Set(after.map((a) => a.instance)).size).toBe(1);
    expect(after[0]!.instance).not.toBe(firstInstance);
    // Every call answered, once each, in the order sent.
    const seqs = acks.map((a) => a.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    expect(seqs.length, 'calls answered').toBe(LAST_SEQ);
    // And applied once each: its persisted state came along, and what the old instance had not saved came
    // to the new one (never acknowledged, LINK_ACK). A call it had saved but died before answering came
    // again too; the Ledger knew it by its number (dups) and answered it without counting it twice.
    expect(acks.at(-1)!.count, 'calls applied').toBe(LAST_SEQ);
    expect(before.every((a) => a.dups === 0)).toBe(true);
    const again = acks.at(-1)!.dups;

    // Every call sent after the dispatcher noticed the death was held for the new instance and answered.
    const down = lines(d, 'dispatcher1.log').find((l) => String(l.msg).includes('game declared down'))!;
    const back = lines(d, 'dispatcher1.log').find((l) => String(l.msg).includes('service shard back') && l.service === 'Ledger')!;
    expect(down).toBeDefined();
    expect(back).toBeDefined();
    const downAt = Date.parse(String(down.time));
    expect(Number.isFinite(downAt)).toBe(true);
    const answered = new Set(seqs);
    const sentAfterDown = sentAt.map((t, seq) => ({ t, seq })).filter((x) => x.t !== undefined && x.t > downAt);
    expect(sentAfterDown.length).toBeGreaterThan(100);
    expect(sentAfterDown.filter((x) => !answered.has(x.seq))).toEqual([]);

    const clientFailoverMs = after[0]!.at - killedAt;
    console.log(
      `service failover: dispatcher re-placed the Ledger shard and saw it created in ${Number(back.failoverMs)} ms after declaring game ${victimGame} down; ` +
        `kill -9 to the first answer from game ${survivor}: ${clientFailoverMs} ms; ` +
        `${acks.length} of ${LAST_SEQ} calls answered and applied once, ${sentAfterDown.length} sent after the death was noticed; ` +
        `${again} saved by the old instance and unanswered when it died, delivered again and recognised`,
    );
    expect(Number(back.failoverMs)).toBeLessThan(FAILOVER_BOUND_MS);
    expect(clientFailoverMs).toBeLessThan(FAILOVER_BOUND_MS);

    // The dispatcher's metrics say the same: one failover placement of the Ledger, and how long it took.
    const port = (d.config as unknown as { dispatchers: { metricsPort: number }[] }).dispatchers[0]!.metricsPort;
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/tsworld_service_placements_total\{[^}]*service="Ledger"[^}]*why="failover"[^}]*\} 1\b/);
    expect(metrics).toMatch(new RegExp(`tsworld_service_failover_ms\\{[^}]*service="Ledger"[^}]*\\} ${Number(back.failoverMs)}\\b`));
    expect(metrics).toMatch(/tsworld_service_shards_unplaced(\{[^}]*\})? 0\b/);
  }, 120_000);
});

type Pool = ReturnType<typeof clientPool>;

/** A client whose player is on game `gameId` (boot entities go round-robin over the games). */
async function playerOn(pool: Pool, gameId: number): Promise<{ client: TestClient; id: string }> {
  for (let i = 0; i < 20; i++) {
    const client = await pool.connect(0);
    const { id } = await client.waitForPlayer();
    client.call(id, 'gameOf');
    const answer = await client.waitCall('onGame');
    if (answer.args[0] === gameId) return { client, id };
    client.close();
  }
  throw new Error(`no player landed on game ${gameId}`);
}

/** The Ledger's game and instance, as the shard itself answers. */
async function whereIsLedger(client: TestClient, id: string): Promise<[gameId: number, instance: string, lastSeq: number]> {
  const n = client.calls.filter((c) => c.method === 'onWhere').length;
  client.call(id, 'where');
  await client.waitFor(() => client.calls.filter((c) => c.method === 'onWhere').length > n, 'the Ledger to answer where', 10_000);
  return client.calls.filter((c) => c.method === 'onWhere').at(-1)!.args as [number, string, number];
}

/**
 * A game that only looked dead (SIGSTOP past the liveness timeout): its shard is placed on the other
 * game, and when it wakes it fences itself and exits without saving, so the stale instance never answers
 * again nor overwrites the new one's state.
 */
describe('a service shard whose game stalls past the liveness timeout', () => {
  let d: TestDeployment;
  let dir: string;
  const pool = clientPool(() => d.wsUrls);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsworld-service-stall-'));
    d = await startDeployment({
      entry: writeServiceGame(dir), games: 2, gates: 1,
      sections: { supervision: { enabled: false }, liveness: { heartbeatMs: 250, timeoutMs: 1500 } },
    });
  }, 120_000);
  afterAll(async () => {
    pool.closeAll();
    await wakeStopped(d);
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs on the other game; the woken one fences itself and never runs its stale instance', async () => {
    const probe = await pool.connect(0);
    const probeId = (await probe.waitForPlayer()).id;
    probe.call(probeId, 'awaitReady');
    await probe.waitCall('onReady');
    const [victimGame, oldInstance] = await whereIsLedger(probe, probeId);
    const survivor = victimGame === 1 ? 2 : 1;
    const { client, id } = await playerOn(pool, survivor);
    for (let seq = 1; seq <= 20; seq++) client.call(id, 'send', seq);
    await client.waitCall('onAck', (a) => a[0] === 20);
    const victimPid = (await d.status()).processes.find((p) => p.role === 'game' && p.id === victimGame)!.pid;

    process.kill(victimPid, 'SIGSTOP');
    // Sent to the stalled game: held by its socket, and read by it only once it wakes, fenced.
    for (let seq = 21; seq <= 25; seq++) client.call(id, 'send', seq);
    const waiter = createWaiter();
    const poll = setInterval(waiter.poke, 100);
    let newInstance = '';
    try {
      await waiter.waitFor(() => lines(d, 'dispatcher1.log').some((l) => l.service === 'Ledger' && String(l.msg).includes('service shard back')), 'the Ledger re-placed', 20_000);
      const [gameNow, instanceNow, lastSeq] = await whereIsLedger(client, id);
      newInstance = instanceNow;
      expect(gameNow).toBe(survivor);
      expect(newInstance).not.toBe(oldInstance);
      expect(lastSeq).toBeGreaterThanOrEqual(20);
      for (let seq = 26; seq <= 30; seq++) client.call(id, 'send', seq);
      await client.waitCall('onAck', (a) => a[0] === 30);

      process.kill(victimPid, 'SIGCONT');
      await waiter.waitFor(() => !isRunning(victimPid), 'the woken game to exit fenced', 20_000).catch((err: unknown) => {
        // Why it did not: its own view of the stall, for the failure report.
        console.log(readFileSync(join(d.dir, 'logs', `game${victimGame}.log`), 'utf8').split('\n').slice(-15).join('\n'));
        throw err;
      });
    } finally {
      clearInterval(poll);
    }
    expect(readFileSync(join(d.dir, 'logs', `game${victimGame}.log`), 'utf8')).toMatch(/exiting without saving \(fenced\)/);
    const [gameAfter, instanceAfter, lastAfter] = await whereIsLedger(client, id);
    expect([gameAfter, instanceAfter]).toEqual([survivor, newInstance]);
    expect(lastAfter).toBe(30);
    const acks = client.calls.filter((c) => c.method === 'onAck').map((c) => c.args as [number, number, string]);
    // No answer from the stale instance once the new one runs.
    const firstNew = acks.findIndex(([, gameId]) => gameId === survivor);
    expect(acks.slice(firstNew).every(([, gameId, instance]) => gameId === survivor && instance === instanceAfter)).toBe(true);
  }, 120_000);
});
