import { randomBytes } from 'node:crypto';
import { createGridAoi } from '../aoi/index.ts';
import { WebSocket as WsWebSocket } from 'ws';
import { connectClient, type TsworldClient, type WebSocketConstructor } from '../client/index.ts';
import { DEFAULTS } from '../config/deployment-schema.ts';
import { createEntityIdGenerator } from '../core/entity-id.ts';
import { createLogger, createMetrics, type Logger, type Metrics } from '../observability/index.ts';
import { createPackr, createWireCodec } from '../protocol/index.ts';
import { startDispatcher, type Dispatcher } from '../roles/dispatcher/dispatcher.ts';
import { dispatcherOptions } from '../roles/dispatcher/dispatcher-options.ts';
import { loadGameModule, type GameModule } from '../roles/game/game-module.ts';
import { startGameServer, type GameServer } from '../roles/game/game-server.ts';
import type { GateEdgeLimits } from '../roles/gate/gate-options.ts';
import { startGateServer, type GateServer } from '../roles/gate/gate-server.ts';
import { createResumeTokens } from '../roles/gate/resume-token.ts';
import type { RoleRuntime } from '../roles/shared/runtime.ts';
import { createMemoryEntityStorage, createMemoryKvStore, type EntityStorage, type KvStore } from '../storage/index.ts';
import { createSystemClock, createSystemScheduler } from '../tick/clock.ts';
import {
  createMemoryClientNetwork,
  createMemoryNetwork,
  selectClientTransport,
  type MemoryClientNetwork,
  type MemoryNetwork,
} from '../transport/index.ts';
import { createFakeClock, createFakeScheduler, type FakeClock, type FakeScheduler } from './fake-clock.ts';

export interface TestClusterOptions {
  dispatchers?: number;
  games?: number;
  gates?: number;
  /** The game module, or the path of one (as a deployment's `entry`). */
  game: GameModule | string;
  tickHz?: number;
  positionSyncHz?: number;
  saveIntervalSec?: number;
  /** Overrides of the gate's client limits (defaults: the config defaults). */
  gateLimits?: Partial<GateEdgeLimits>;
  /** 'fake' (default): time moves only through advance()/until(); 'system': real time, as a deployment. */
  clock?: 'fake' | 'system';
  /**
   * Where clients connect: 'memory' (default, in-memory WebSockets) or 'socket' (the gates listen on
   * real 127.0.0.1 ports with uWS, or ws where uWS does not load; `connect` then uses `ws`).
   */
  clients?: 'memory' | 'socket';
  /** Log level of every role; default 'silent'. */
  logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug';
  /** Each role's logger, instead of one made at `logLevel` (a capture log for tests of what is logged). */
  log?: (role: 'dispatcher' | 'game' | 'gate', id: number) => Logger;
  /** The games' storage and KV (default: in-memory); the cluster closes them at stop. */
  storage?: EntityStorage;
  kv?: KvStore;
  /** The cluster secret every role's links authenticate with (default: none, as a loopback deployment). */
  clusterSecret?: string;
  /** The dispatchers' bounds on frames held for an entity not ready yet (default: the config defaults). */
  dispatcherLimits?: { maxHeldPerEntity?: number; pendingTimeoutMs?: number };
  /** gateDefaults.resumeGraceMs of the games (default: the config default, 30 s). */
  resumeGraceMs?: number;
}

export interface TestCluster {
  readonly dispatchers: readonly Dispatcher[];
  readonly games: readonly GameServer[];
  readonly gates: readonly GateServer[];
  readonly storage: EntityStorage;
  readonly kv: KvStore;
  readonly metrics: { readonly gates: readonly Metrics[]; readonly dispatchers: readonly Metrics[]; readonly games: readonly Metrics[] };
  readonly network: MemoryNetwork;
  readonly clientNetwork: MemoryClientNetwork;
  /** Connects an SDK client to gate `gate` (1-based), appearing to come from `from` (default 127.0.0.1). */
  connect(options?: { gate?: number; from?: string }): Promise<TsworldClient>;
  /** Moves fake time on by `ms`, one tick at a time, letting messages flow between steps. */
  advance(ms: number): Promise<void>;
  /** Moves time on until `probe` returns a value (not undefined or false); rejects after `maxMs` of cluster time. */
  until<T>(probe: () => T | undefined | false, what: string, maxMs?: number): Promise<T>;
  stop(): Promise<void>;
}

/** Lets every queued delivery (memory links deliver on later turns) and promise settle. */
async function settle(turns = 4): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

function gateLimits(overrides: Partial<GateEdgeLimits> = {}): GateEdgeLimits {
  const d = DEFAULTS.gate;
  return {
    ...d,
    maxBytesPerSecond: 4 * d.maxPayload,
    maxDepth: d.maxArgDepth,
    maxElements: d.maxArgElements,
    // A test drives many clients from one address: per-address admission is opt-in here.
    maxConnectionsPerIp: d.maxConnections,
    connectsPerIpPerSec: 1_000_000,
    connectBurstPerIp: 1_000_000,
    ...overrides,
  };
}

interface Time {
  runtime: (net: MemoryNetwork) => RoleRuntime;
  clock: FakeClock | null;
  scheduler: FakeScheduler | null;
}

function makeTime(kind: 'fake' | 'system'): Time {
  if (kind === 'system') {
    const clock = createSystemClock();
    const scheduler = createSystemScheduler();
    return { runtime: (net) => ({ clock, scheduler, net }), clock: null, scheduler: null };
  }
  // On the epoch, as the system clock is, so snapshot and log times look like real ones.
  const clock = createFakeClock(Date.UTC(2026, 0, 1));
  const scheduler = createFakeScheduler(clock);
  return { runtime: (net) => ({ clock, scheduler, net }), clock, scheduler };
}

/**
 * A whole deployment in one process: real dispatcher, game and gate roles, wired over an in-memory
 * network, with in-memory storage and (by default) a fake clock. Clients connect through the real SDK
 * over an in-memory WebSocket. It is for fast tests of role behaviour; the e2e tests still run real
 * processes over real sockets.
 */
export async function createTestCluster(options: TestClusterOptions): Promise<TestCluster> {
  const time = makeTime(options.clock ?? 'fake');
  const network = createMemoryNetwork();
  const clientNetwork = createMemoryClientNetwork();
  const runtime = time.runtime(network);
  const codec = createWireCodec({ packr: createPackr() });
  const log = options.log ?? ((role: string, id: number): Logger => createLogger({ role, id, level: options.logLevel ?? 'silent', pretty: false }));
  const module = typeof options.game === 'string' ? await loadGameModule(options.game) : options.game;
  const storage = options.storage ?? createMemoryEntityStorage();
  const kv = options.kv ?? createMemoryKvStore();
  const counts = { dispatchers: options.dispatchers ?? 1, games: options.games ?? 1, gates: options.gates ?? 1 };
  const dispatcherMetrics = Array.from({ length: counts.dispatchers }, (_, i) => createMetrics({ role: 'dispatcher', id: i + 1, processMetrics: false }));
  const gateMetrics = Array.from({ length: counts.gates }, (_, i) => createMetrics({ role: 'gate', id: i + 1, processMetrics: false }));
  const gameMetrics = Array.from({ length: counts.games }, (_, i) => createMetrics({ role: 'game', id: i + 1, processMetrics: false }));

  const dispatchers = await Promise.all(dispatcherMetrics.map((metrics, i) =>
    startDispatcher(dispatcherOptions(
      { id: i + 1, host: 'dispatcher', port: 0, expectedGames: counts.games, expectedGates: counts.gates, codec, log: log('dispatcher', i + 1), runtime },
      { metrics, clusterSecret: options.clusterSecret, ...options.dispatcherLimits },
    )),
  ));
  const addresses = dispatchers.map((d) => ({ host: d.host, port: d.port }));
  const tickHz = options.tickHz ?? 20;
  const gamesStarting = Array.from({ length: counts.games }, (_, i) =>
    startGameServer({
      id: i + 1, dispatchers: addresses, module, tickHz, positionSyncHz: options.positionSyncHz ?? Math.min(10, tickHz),
      saveIntervalSec: options.saveIntervalSec ?? 60, storage, kv, codec, log: log('game', i + 1), aoiFactory: createGridAoi, runtime,
      metrics: gameMetrics[i], clusterSecret: options.clusterSecret, resumeGraceMs: options.resumeGraceMs,
    }),
  );
  const transport = options.clients === 'socket' ? await selectClientTransport('auto') : clientNetwork.transport;
  // One key for every gate, as a deployment's gates share one (resume-key.ts): a client resumes on any of them.
  const resumeTokens = createResumeTokens(randomBytes(32));
  const gatesStarting = gateMetrics.map((metrics, i) =>
    startGateServer({
      id: i + 1, host: '127.0.0.1', port: 0, dispatchers: addresses, transport, codec, log: log('gate', i + 1),
      ids: createEntityIdGenerator(), limits: gateLimits(options.gateLimits), metrics, runtime,
      clusterSecret: options.clusterSecret, resumeTokens,
    }),
  );
  const [games, gates] = await Promise.all([Promise.all(gamesStarting), Promise.all(gatesStarting)]);
  return assemble({ time, network, clientNetwork, dispatchers, games, gates, storage, kv, dispatcherMetrics, gateMetrics, gameMetrics, tickHz, sockets: options.clients === 'socket' });
}

function assemble(parts: {
  time: Time;
  network: MemoryNetwork;
  clientNetwork: MemoryClientNetwork;
  dispatchers: Dispatcher[];
  games: GameServer[];
  gates: GateServer[];
  storage: EntityStorage;
  kv: KvStore;
  dispatcherMetrics: Metrics[];
  gateMetrics: Metrics[];
  gameMetrics: Metrics[];
  tickHz: number;
  sockets: boolean;
}): TestCluster {
  const { time, clientNetwork, gates } = parts;
  const clients = new Set<TsworldClient>();
  const stepMs = 1000 / parts.tickHz;
  let elapsed = 0;
  async function step(): Promise<void> {
    if (time.scheduler) time.scheduler.advance(stepMs);
    else await new Promise((resolve) => setTimeout(resolve, stepMs));
    elapsed += stepMs;
    await settle();
    // Real async work (worker threads, timers of game code's own) gets a real moment too.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return {
    dispatchers: parts.dispatchers,
    games: parts.games,
    gates,
    storage: parts.storage,
    kv: parts.kv,
    metrics: { gates: parts.gateMetrics, dispatchers: parts.dispatcherMetrics, games: parts.gameMetrics },
    network: parts.network,
    clientNetwork,
    async connect(connectOptions = {}) {
      const gate = gates[(connectOptions.gate ?? 1) - 1];
      const client = parts.sockets
        ? await connectClient({ url: `ws://127.0.0.1:${gate.port}/ws`, WebSocket: WsWebSocket as unknown as WebSocketConstructor })
        : await connectClient({ url: `mem://127.0.0.1:${gate.port}/ws`, WebSocket: clientNetwork.from(connectOptions.from ?? '127.0.0.1') });
      clients.add(client);
      return client;
    },
    async advance(ms) {
      for (let t = 0; t < ms; t += stepMs) await step();
    },
    async until(probe, what, maxMs = 30_000) {
      for (let t = 0; t <= maxMs; t += stepMs) {
        const value = probe();
        if (value !== undefined && value !== false) return value;
        await step();
      }
      throw new Error(`test cluster: timed out after ${maxMs} ms of cluster time waiting for ${what}`);
    },
    async stop() {
      for (const client of clients) client.close();
      await settle();
      await Promise.all(gates.map((g) => g.stop()));
      await Promise.all(parts.games.map((g) => g.stop()));
      await settle();
      await Promise.all(parts.dispatchers.map((d) => d.close()));
      await Promise.all([parts.storage.close(), parts.kv.close()]);
    },
  };
}
