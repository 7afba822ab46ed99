import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBots, type BotFleet } from '../../src/testing/bots/index.ts';
import { keepsTheAvatarAcrossLogout, login, registersLogsInChatsAndKeepsRoomsApart } from '../scenarios/chatroom.ts';
import { BOTS, botsPlayTheMmo } from '../scenarios/mmo.ts';
import { clientPool, type TestClient } from '../support/clients.ts';
import { BOT_SWARM_ADMISSION, repoRoot } from '../support/deployment.ts';
import { createNetHosts, netnsSkipReason, type NetHosts } from '../support/netns.ts';
import { isRunning } from '../support/processes.ts';
import { findRedisServer, startRedisServer, type RedisServer } from '../support/redis-server.ts';

const run = promisify(execFile);
const bin = join(repoRoot, 'src', 'cli', 'bin.mjs');
const SECRET = 'multi-host-test-secret-0123456789';
const HOSTS = ['a', 'b', 'c'] as const;
type Host = (typeof HOSTS)[number];

/**
 * One deployment on three machines, made of network namespaces on a bridge: host a runs the dispatcher
 * and redis-server, hosts b and c a game and a gate each. The test process is the clients, on the
 * bridge. Links are authenticated (the secret comes from TSWORLD_CLUSTER_SECRET: off loopback it is
 * required), storage and KV are on a's Redis. Skips where namespaces cannot be made.
 */
const skip = process.platform !== 'linux' ? 'network namespaces are Linux only' : findRedisServer() === undefined ? 'redis-server is not installed' : netnsSkipReason();
if (skip) console.warn(`skipping the multi-host test: ${skip}`);

interface Deployment {
  dir: string;
  gateUrls: string[];
}

interface StatusRow {
  role: string;
  id: number;
  host: string;
  pid: number | null;
  state: string;
  alive: boolean;
}

describe.skipIf(skip !== undefined)('one deployment on three hosts (network namespaces)', () => {
  let net: NetHosts;
  let redis: RedisServer;
  let chat: Deployment;
  let fleet: BotFleet | undefined;
  const made: Deployment[] = [];
  const pool = clientPool(() => chat.gateUrls);

  /** `tsworld` run on a host (inside its namespace), with the cluster secret in its environment. */
  const on = (host: Host | null, ...args: string[]) => {
    const command = [...(host === null ? [] : net.wrap(host)), process.execPath, bin, ...args];
    return run(command[0]!, command.slice(1), { cwd: repoRoot, timeout: 120_000, env: { ...process.env, TSWORLD_CLUSTER_SECRET: SECRET } });
  };
  /** From the root namespace (every run file), or from a host with only its own run file: the rest is the dispatchers' word. */
  const status = async (d: Deployment, from: Host | null = null): Promise<{ code: number; rows: StatusRow[] }> => {
    const r = await on(from, 'status', d.dir, '--json', ...(from === null ? [] : ['--host', from])).then(
      (out) => ({ code: 0, stdout: out.stdout }),
      (err: { code?: number; stdout?: string }) => ({ code: err.code ?? -1, stdout: err.stdout ?? '' }),
    );
    return { code: r.code, rows: (JSON.parse(r.stdout) as { processes: StatusRow[] }).processes };
  };
  const waitForStatus = async (d: Deployment, what: string, ok: (rows: StatusRow[]) => boolean, timeoutMs = 30_000, from: Host | null = null): Promise<StatusRow[]> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await status(d, from);
      if (ok(rows)) return rows;
      if (Date.now() > deadline) throw new Error(`status never showed ${what}: ${JSON.stringify(rows)}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  };

  function writeDeployment(name: string, example: 'chatroom' | 'mmo', ports: { dispatcher: number; metrics: number; gate: number }): Deployment {
    const dir = mkdtempSync(join(tmpdir(), `tsworld-multihost-${name}-`));
    const example_ = JSON.parse(readFileSync(join(repoRoot, 'examples', example, 'tsworld.config.json'), 'utf8')) as Record<string, unknown>;
    const config = {
      deployment: name,
      entry: join(repoRoot, 'examples', example, 'game', 'main.ts'),
      hosts: Object.fromEntries(HOSTS.map((h) => [h, { address: net.addresses[h] }])),
      dispatchers: [{ id: 1, host: 'a', port: ports.dispatcher, metricsPort: ports.metrics }],
      gameDefaults: example_.gameDefaults,
      games: [{ id: 1, host: 'b', metricsPort: ports.metrics + 1 }, { id: 2, host: 'c', metricsPort: ports.metrics + 1 }],
      gateDefaults: { ...(example_.gateDefaults as object), ...BOT_SWARM_ADMISSION },
      gates: [{ id: 1, host: 'b', port: ports.gate }, { id: 2, host: 'c', port: ports.gate }],
      storage: { kind: 'redis', url: redis.url, prefix: `${name}:` },
      // A machine that drops off the network is noticed by heartbeats, not by a closed socket.
      liveness: { heartbeatMs: 250, timeoutMs: 1500 },
      hotswap: { snapshotDir: join(dir, 'snapshots') },
      logging: { level: 'info', dir: join(dir, 'logs') },
    };
    writeFileSync(join(dir, 'tsworld.config.json'), JSON.stringify(config, null, 2));
    const d = { dir, gateUrls: [`ws://${net.addresses.b}:${ports.gate}/ws`, `ws://${net.addresses.c}:${ports.gate}/ws`] };
    made.push(d);
    return d;
  }

  /** Host a first (the dispatcher), then b and c at once: a gate serves once every game and gate joined. */
  async function startAll(d: Deployment): Promise<void> {
    await on('a', 'start', d.dir, '--host', 'a');
    const [b, c] = await Promise.all([on('b', 'start', d.dir, '--host', 'b'), on('c', 'start', d.dir, '--host', 'c')]);
    expect(b.stdout).toMatch(new RegExp(`dispatcher1 on host a is up[^]*open http://${net.addresses.b}:`));
    expect(c.stdout).toMatch(new RegExp(`open http://${net.addresses.c}:`));
  }

  async function stopAll(d: Deployment): Promise<void> {
    for (const h of ['c', 'b', 'a'] as const) await on(null, 'stop', d.dir, '--host', h).catch(() => undefined);
  }

  beforeAll(async () => {
    net = createNetHosts(HOSTS, '10.77.0');
    redis = await startRedisServer({ bind: net.addresses.a, port: 6379, wrap: net.wrap('a') });
    chat = writeDeployment('chat', 'chatroom', { dispatcher: 13001, metrics: 9100, gate: 14001 });
  });

  afterAll(async () => {
    pool.closeAll();
    await fleet?.close().catch(() => undefined);
    for (const d of made) {
      await stopAll(d);
      // Whatever a failed stop left: nothing may outlive the namespaces.
      for (const h of HOSTS) await on(null, 'kill', d.dir, '--host', h).catch(() => undefined);
      rmSync(d.dir, { recursive: true, force: true });
    }
    await redis?.stop();
    net?.remove();
  });

  it('runs the mmo with bots on both hosts\' gates', async () => {
    const mmo = writeDeployment('mmo', 'mmo', { dispatcher: 13101, metrics: 9200, gate: 14101 });
    await startAll(mmo);
    fleet = await runBots({ url: mmo.gateUrls, count: BOTS, moveHz: 5, rpcHz: 4, seed: 11 });
    await botsPlayTheMmo(fleet);
    await fleet.close();
    fleet = undefined;
    await stopAll(mmo);
  });

  it('starts host by host: each process on its host, all seen by the dispatcher', async () => {
    await startAll(chat);
    const { code, rows } = await status(chat);
    expect(code).toBe(0);
    expect(rows.map((r) => `${r.role}${r.id}@${r.host}:${r.state}`)).toEqual([
      'dispatcher1@a:alive', 'game1@b:alive', 'game2@c:alive', 'gate1@b:alive', 'gate2@c:alive',
    ]);
  });

  it('runs the chatroom across the hosts: register, log in, chat across gates, rooms kept apart', () =>
    registersLogsInChatsAndKeepsRoomsApart(pool.connect));

  it('keeps an avatar across logout on host c and login on host b', () => keepsTheAvatarAcrossLogout(pool.connect));

  it('loses host c: b\'s players carry on; c comes back with start --host c and its players log in to their saved state', async () => {
    // frank's room is saved at his logout; then he is back on c when c drops off the network.
    const frank = await pool.connect(1);
    await login(frank, 'frank', 'secret-f', true);
    frank.call(frank.player!.id, 'sendChat', '/join far');
    await frank.waitFor(() => frank.player!.attrs.chatroom === 'far', 'frank in #far');
    frank.close();
    await frank.waitFor(() => frank.closed, 'frank logged out');
    const frankAgain = await pool.connect(1);
    await login(frankAgain, 'frank', 'secret-f', false);

    // Two players on b whose avatars live on b's game: they must not notice c going.
    const onB: TestClient[] = [];
    for (let i = 0; onB.length < 2 && i < 12; i++) {
      const c = await pool.connect(0);
      await login(c, `bee${i}`, 'secret-b', true);
      c.call(c.player!.id, 'whereAmI');
      if ((await c.waitCall('onWhere')).args[0] === 1) onB.push(c);
    }
    expect(onB, 'two avatars placed on game1 (host b)').toHaveLength(2);

    const runC = JSON.parse(readFileSync(join(chat.dir, '.tsworld', 'run-c.json'), 'utf8')) as { supervisor: { pid: number }; processes: { pid: number }[] };
    net.cut('c');
    // The machine is gone: its supervisor and processes die with it, and nothing they send arrives.
    for (const pid of [runC.supervisor.pid, ...runC.processes.map((p) => p.pid)]) process.kill(pid, 'SIGKILL');
    const rows = await waitForStatus(chat, 'game2 and gate2 down', (r) => r.filter((x) => x.host === 'c').every((x) => x.state === 'DEAD' || x.state === 'DOWN'));
    expect(rows.filter((r) => r.host !== 'c').every((r) => r.alive)).toBe(true);
    expect((await status(chat)).code).toBe(1);
    // Seen from b, which knows only its own pids: c's processes are down because the dispatcher says so.
    // The pids are gone at once; the dispatcher's word takes until c's links fall silent (liveness.timeoutMs).
    await waitForStatus(chat, 'c down as the dispatcher sees it', (r) => r.filter((x) => x.host === 'c').every((x) => x.state === 'DOWN'), 30_000, 'b');
    const fromB = await status(chat, 'b');
    expect(fromB.code).toBe(1);
    expect(fromB.rows.filter((r) => r.host === 'c').map((r) => `${r.role}${r.id}:${r.state}:${r.pid}`)).toEqual(['game2:DOWN:null', 'gate2:DOWN:null']);

    const [first, second] = onB;
    first!.call(first!.player!.id, 'sendChat', 'still here');
    await second!.waitCall('onChat', (a) => a[2] === 'still here');
    first!.call(first!.player!.id, 'whereAmI');
    await first!.waitFor(() => first!.calls.filter((c) => c.method === 'onWhere').length >= 2, 'whereAmI answered after the cut');

    net.restore('c');
    const back = await on('c', 'start', chat.dir, '--host', 'c');
    expect(back.stdout).toMatch(/gate ready: gate2/);
    await waitForStatus(chat, 'every process alive', (r) => r.every((x) => x.alive));
    expect((await status(chat)).code).toBe(0);

    const frankBack = await pool.connect(1);
    await login(frankBack, 'frank', 'secret-f', false);
    expect(frankBack.player!.attrs).toMatchObject({ name: 'frank', chatroom: 'far' });
    // b's players and c's returning ones chat together again.
    frankBack.call(frankBack.player!.id, 'sendChat', '/join lobby');
    await frankBack.waitFor(() => frankBack.player!.attrs.chatroom === 'lobby', 'frank back in #lobby');
    first!.call(first!.player!.id, 'sendChat', 'welcome back');
    await frankBack.waitCall('onChat', (a) => a[2] === 'welcome back');
    expect(runC.processes.every((p) => !isRunning(p.pid))).toBe(true);
  });
});
