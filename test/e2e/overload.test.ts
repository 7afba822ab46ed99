import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRONES } from '../fixtures/overload-game.ts';
import { testClient, type TestClient } from '../support/clients.ts';
import { BOT_SWARM_ADMISSION, repoRoot } from '../support/deployment.ts';
import { peakRssBytes, scrape, spawnRoleProcess, writeSmallDeployment, type RoleProcess } from '../support/role-processes.ts';
import { startThrottledProxy, type ThrottledProxy } from '../support/throttled-proxy.ts';

const CLIENTS = 16;
const BASELINE_MS = 6_000;
const ECHO_EVERY_MS = 100;
/** Watermarks low enough that a 30 s overload crosses them, and a hard bound it would reach without shedding. */
const LINKS = { highWatermarkBytes: 256 * 1024, lowWatermarkBytes: 64 * 1024, maxPendingBytes: 4 * 1024 * 1024 };

/** One bot: its echo replies in arrival order, and every update of one drone it watches (time, x). */
interface Bot {
  client: TestClient;
  echoSent: number;
  replies: number[];
  probe: string;
  updates: { at: number; x: number }[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Updates per second of each bot's probe drone that arrived within [from, to) (wall clock), averaged over the bots. */
function rate(bots: Bot[], from: number, to: number): number {
  const counts = bots.map((b) => b.updates.filter((u) => u.at >= from && u.at < to).length);
  return counts.reduce((a, b) => a + b, 0) / bots.length / ((to - from) / 1000);
}

/**
 * The stream as the game sent it during [fromX, toX) of game time (a drone's x is its game time, in s):
 * updates per second, and the share that skipped at least two syncs (x moved by more than 0.25). Judged
 * by when a position was sent, not when it arrived: the kernel's socket buffers delay everything alike.
 */
function sentStream(bots: Bot[], fromX: number, toX: number): { rate: number; skipped: number } {
  let updates = 0;
  let skipped = 0;
  for (const b of bots) {
    for (let i = 1; i < b.updates.length; i++) {
      const x = b.updates[i].x;
      if (x < fromX || x >= toX) continue;
      updates++;
      if (x - b.updates[i - 1].x > 0.25) skipped++;
    }
  }
  return { rate: updates / bots.length / (toX - fromX), skipped: updates === 0 ? 0 : skipped / updates };
}

/** Which hop is slow: the game's link to its dispatcher, or the dispatcher's link to the gate. */
interface Hop {
  readonly role: 'game' | 'gate';
  /** Where the degraded gauge shows, and under which peer name. */
  readonly gauge: { readonly on: 'game' | 'dispatcher'; readonly peer: string };
  readonly overloadMs: number;
}

const HOPS: readonly Hop[] = [
  { role: 'game', gauge: { on: 'game', peer: 'dispatcher-1' }, overloadMs: 36_000 },
  { role: 'gate', gauge: { on: 'dispatcher', peer: 'gate-1' }, overloadMs: 36_000 },
];

describe.each(HOPS)('overload on the $role link', (hop) => {
  let deployment: Awaited<ReturnType<typeof writeSmallDeployment>>;
  let proxy: ThrottledProxy;
  let roles: RoleProcess[] = [];
  let game: RoleProcess;
  const bots: Bot[] = [];
  let echoTimer: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    deployment = await writeSmallDeployment({
      entry: join(repoRoot, 'test', 'fixtures', 'overload-game.ts'),
      // Per-client streams: with everyone in view, a shared batch per sync is too small a load for
      // this test's watermarks, and the per-client streams are what a degraded link sheds.
      gameDefaults: { overloadRefuseAfterMs: 2000, sharedPositionBatches: false },
      gateDefaults: { ...BOT_SWARM_ADMISSION, maxMessagesPerSecond: 200 },
      links: LINKS,
    });
    const common = { logDir: join(deployment.dir, 'logs') };
    roles.push(await spawnRoleProcess({ ...common, configPath: deployment.configPath, role: 'dispatcher', id: 1 }));
    // One process reaches the dispatcher through the proxy: same deployment, its own copy of the config.
    // A game's link is slow in what it sends, a gate's in what it receives.
    proxy = await startThrottledProxy({ host: '127.0.0.1', port: deployment.config.dispatchers[0].port }, hop.role === 'game' ? 'toServer' : 'toClient');
    const viaProxy = join(deployment.dir, 'via-proxy.json');
    writeFileSync(viaProxy, JSON.stringify({ ...deployment.config, dispatchers: [{ ...deployment.config.dispatchers[0], port: proxy.port }] }));
    const configOf = (role: 'game' | 'gate') => (role === hop.role ? viaProxy : deployment.configPath);
    const started = await Promise.all([
      spawnRoleProcess({ ...common, configPath: configOf('game'), role: 'game', id: 1 }),
      spawnRoleProcess({ ...common, configPath: configOf('gate'), role: 'gate', id: 1 }),
    ]);
    roles.push(...started);
    game = started[0];
  });

  afterAll(async () => {
    clearInterval(echoTimer);
    for (const b of bots.splice(0)) b.client.close();
    for (const role of roles.reverse()) await role.stop();
    roles = [];
    await proxy?.close();
    deployment?.remove();
  });

  it('sheds position streams instead of dying: rate lowered with the newest state, every reply in order, then back to normal', async () => {
    const url = `ws://127.0.0.1:${deployment.config.gates[0].port}/ws`;
    const gameMetrics = deployment.config.games[0].metricsPort;
    const OVERLOAD_MS = hop.overloadMs;
    const gaugePort = hop.gauge.on === 'game' ? gameMetrics : deployment.config.dispatchers[0].metricsPort;
    const linkMetric = (name: string) => scrape(gaugePort, name, { peer: hop.gauge.peer });
    for (let i = 0; i < CLIENTS; i++) {
      const client = await testClient(url);
      await client.waitForPlayer();
      const probe = await client.waitFor(() => [...client.entities.values()].find((e) => e.typeName === 'Drone')?.id, 'a drone');
      const bot: Bot = { client, echoSent: 0, replies: [], probe, updates: [] };
      client.on('positions', (moved) => {
        for (const e of moved) if (e.id === bot.probe) bot.updates.push({ at: performance.now(), x: e.x });
      });
      client.on('call', (_e, method, args) => {
        if (method === 'onEcho') bot.replies.push(args[0] as number);
      });
      bots.push(bot);
    }
    await bots[0].client.waitFor(() => bots.every((b) => b.client.entities.size >= DRONES + 1) || undefined, 'every drone in view');
    echoTimer = setInterval(() => {
      for (const b of bots) b.client.call(b.client.player!.id, 'echo', ++b.echoSent);
    }, ECHO_EVERY_MS);

    // Normal: the game sends what it makes.
    const t0 = performance.now();
    const sent0 = proxy.forwarded;
    await sleep(BASELINE_MS);
    const t1 = performance.now();
    // Game time (a drone's x) when the overload starts: in normal operation positions arrive at once.
    const xAtOverload = Math.max(...bots.map((b) => b.updates.at(-1)!.x));
    const bytesPerSec = ((proxy.forwarded - sent0) * 1000) / (t1 - t0);
    const normalRate = rate(bots, t0, t1);
    expect(normalRate).toBeGreaterThan(7);
    expect(await linkMetric('tsworld_link_degraded')).toBe(0);

    // Overload: the link carries half of that.
    proxy.setRate(Math.round(bytesPerSec / 2));
    let degradedAt: number | null = null;
    let peakBacklog = 0;
    while (performance.now() - t1 < OVERLOAD_MS) {
      await sleep(1000);
      if (degradedAt === null && (await linkMetric('tsworld_link_degraded')) === 1) degradedAt = performance.now();
      peakBacklog = Math.max(peakBacklog, (await linkMetric('tsworld_link_backlog_bytes')) ?? 0);
    }
    const t2 = performance.now();
    expect(degradedAt, 'the link degraded').not.toBeNull();
    expect(await linkMetric('tsworld_link_degraded_total')).toBeGreaterThanOrEqual(1);
    expect(await scrape(gameMetrics, 'tsworld_stream_records_total', { outcome: 'coalesced' })).toBeGreaterThan(0);
    // The hard bound (4 MiB) was never reached: shedding kept the backlog well below it.
    expect(peakBacklog).toBeLessThan(LINKS.maxPendingBytes);

    // Load drops: the link is fast again.
    proxy.setRate(null);
    let recoveredAt: number | null = null;
    while (recoveredAt === null && performance.now() - t2 < 20_000) {
      await sleep(250);
      const now = performance.now();
      const degraded = await linkMetric('tsworld_link_degraded');
      if (degraded === 0 && rate(bots, now - 1000, now) >= normalRate * 0.8) recoveredAt = now;
    }
    expect(recoveredAt, 'position rate back to normal').not.toBeNull();
    const recoveryMs = recoveredAt! - t2;
    expect(recoveryMs).toBeLessThan(10_000);
    await sleep(3000);
    const t3 = performance.now();
    expect(rate(bots, t3 - 3000, t3)).toBeGreaterThanOrEqual(normalRate * 0.8);
    expect(await linkMetric('tsworld_link_degraded')).toBe(0);
    expect(await linkMetric('tsworld_link_degraded_seconds_total')).toBeGreaterThan(0);

    // What the game sent once the link had degraded (the kernel's socket buffers fill first, which takes
    // ~10 s here): a lower rate, made of updates that skip syncs, each the newest position then.
    const overloadFromX = xAtOverload + (degradedAt! - t1) / 1000 + 1;
    expect(xAtOverload + OVERLOAD_MS / 1000 - overloadFromX, 'at least 8 s of degraded operation to judge').toBeGreaterThan(8);
    const overload = sentStream(bots, overloadFromX, xAtOverload + OVERLOAD_MS / 1000);
    const normal = sentStream(bots, xAtOverload - BASELINE_MS / 1000 + 1, xAtOverload);
    expect(overload.rate).toBeLessThan(normal.rate * 0.75);
    expect(overload.skipped).toBeGreaterThan(0.1);
    expect(normal.skipped).toBeLessThan(0.05);

    // Every echo sent got its reply, in order, none lost or doubled.
    clearInterval(echoTimer);
    await bots[0].client.waitFor(() => bots.every((b) => b.replies.length >= b.echoSent) || undefined, 'every echo reply', 30_000);
    for (const b of bots) expect(b.replies).toEqual(Array.from({ length: b.echoSent }, (_, i) => i + 1));
    // The newest state was kept: a probe drone only ever moves forward, and now shows where the game has it.
    for (const b of bots) {
      for (let i = 1; i < b.updates.length; i++) expect(b.updates[i].x).toBeGreaterThanOrEqual(b.updates[i - 1].x);
    }
    const last = bots[0];
    last.client.call(last.client.player!.id, 'echo', ++last.echoSent);
    const reply = await last.client.waitCall('onEcho', (args) => args[0] === last.echoSent);
    const probeNow = last.client.entities.get(last.probe)!.x;
    expect(Math.abs(probeNow - (reply.args[1] as number))).toBeLessThan(0.5);

    for (const role of roles) expect(role.exited(), `${role.role}${role.id} still running`).toBeNull();
    const degradedSeconds = await linkMetric('tsworld_link_degraded_seconds_total');
    const degradedEntries = await linkMetric('tsworld_link_degraded_total');
    const peakMb = peakRssBytes(game.pid) / (1024 * 1024);
    console.log(
      `overload on the ${hop.role} link: degraded after ${((degradedAt! - t1) / 1000).toFixed(0)} s; normal ${normal.rate.toFixed(1)} updates/s per drone, ${(bytesPerSec / 1024).toFixed(0)} KiB/s through the slow hop; ` +
        `at 2x overload ${overload.rate.toFixed(1)} updates/s as sent (${(overload.skipped * 100).toFixed(0)}% of them skipped syncs; ` +
        `degraded ${degradedSeconds?.toFixed(1)} s in ${degradedEntries} periods), ` +
        `peak backlog ${(peakBacklog / 1024).toFixed(0)} KiB; recovered in ${(recoveryMs / 1000).toFixed(1)} s; game peak RSS ${peakMb.toFixed(0)} MiB`,
    );
  }, 115_000);
});
