import { DEFAULTS } from '../../config/deployment-schema.ts';
import type { Logger, Metrics } from '../../observability/index.ts';
import type { WireCodec } from '../../protocol/index.ts';
import type { LinkLimits } from '../../transport/index.ts';
import type { LivenessSettings } from '../shared/link-liveness.ts';
import type { RoleRuntime } from '../shared/runtime.ts';
import type { ClusterView } from './cluster-view.ts';
import type { PendingLimits } from './pending-budget.ts';

export interface DispatcherOptions {
  id: number;
  host: string;
  port: number;
  /** Deployment-ready is announced once this many games and gates have said hello. */
  expectedGames: number;
  expectedGates: number;
  codec: WireCodec;
  log: Logger;
  /** Bounds of a frozen game's queue (hot swap): past either, the game is declared down. */
  freezeQueueMaxFrames: number;
  freezeQueueMaxMs: number;
  /** Frames held per entity while it is created, loaded or saved. */
  maxHeldPerEntity: number;
  /** How long an entity may stay pending (created/loaded but not confirmed) before its frames are dropped. */
  pendingTimeoutMs: number;
  /** How long frames for an id no game has announced are held; default DEFAULTS.dispatcher. */
  unplacedTimeoutMs?: number;
  /** Bounds on what is held for ids no game has announced; each defaults to DEFAULTS.dispatcher. */
  pendingLimits?: Partial<PendingLimits>;
  /** Rate-limited log lines (refusals, violations, drops) appear at most once per key per interval. */
  logIntervalMs?: number;
  metrics?: Metrics;
  /** Backlog bounds of every accepted link (the config's `links`); default DEFAULTS.links. */
  links?: LinkLimits;
  /** Heartbeats and the silence after which a game or gate is declared down; default DEFAULTS.liveness. */
  liveness?: LivenessSettings;
  /** How long a downed game's entities are remembered, so calls to them fail at once; default DEFAULTS.dispatcher. */
  lostEntityTtlMs?: number;
  /**
   * The cluster secret every game and gate must prove on its link (HMAC challenge-response, SPEC.md
   * "Link authentication"); undefined: none, which the config allows only on loopback.
   */
  clusterSecret?: string;
  /** Clock, timers and link network (systemRuntime() in a process, a fake one in createTestCluster). */
  runtime: RoleRuntime;
}

export interface Dispatcher {
  readonly host: string;
  readonly port: number;
  readonly stats: {
    readonly entities: number;
    readonly games: number;
    readonly gates: number;
    /** Entries held for ids no game has announced, and their frames. */
    readonly unplaced: number;
    readonly unplacedFrames: number;
  };
  /** The games and gates linked to this dispatcher now (cluster-view.ts; `GET /cluster` on its metrics port). */
  cluster(): ClusterView;
  close(): Promise<void>;
}

/** Rate-limited lines: at most one per key per this many ms, unless the options say otherwise. */
const LOG_INTERVAL_MS = 5000;

export function logIntervalOf(opts: DispatcherOptions): number {
  return opts.logIntervalMs ?? LOG_INTERVAL_MS;
}

export function unplacedTimeoutOf(opts: DispatcherOptions): number {
  return opts.unplacedTimeoutMs ?? DEFAULTS.dispatcher.unplacedTimeoutMs;
}

export function pendingLimitsOf(opts: DispatcherOptions): PendingLimits {
  const d = DEFAULTS.dispatcher;
  return {
    maxPerSender: opts.pendingLimits?.maxPerSender ?? d.maxPendingPerSender,
    maxTotal: opts.pendingLimits?.maxTotal ?? d.maxPendingTotal,
    maxHeldFrames: opts.pendingLimits?.maxHeldFrames ?? d.maxPendingHeldFrames,
    maxHeldBytes: opts.pendingLimits?.maxHeldBytes ?? d.maxPendingHeldBytes,
  };
}

/** What only the caller can say; everything else has a default (the config defaults). */
export type DispatcherBasics = Pick<DispatcherOptions, 'id' | 'host' | 'port' | 'expectedGames' | 'expectedGates' | 'codec' | 'log' | 'runtime'>;

/** Options with the config's defaults for every bound, for dispatchers started outside a deployment. */
export function dispatcherOptions(basics: DispatcherBasics, overrides: Partial<DispatcherOptions> = {}): DispatcherOptions {
  return {
    freezeQueueMaxFrames: DEFAULTS.hotswap.freezeQueueMaxPackets,
    freezeQueueMaxMs: DEFAULTS.hotswap.freezeQueueMaxMs,
    maxHeldPerEntity: DEFAULTS.dispatcher.maxHeldPerEntity,
    pendingTimeoutMs: DEFAULTS.dispatcher.pendingTimeoutMs,
    ...basics,
    ...overrides,
  };
}
