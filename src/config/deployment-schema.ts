import {
  arrayOf,
  boolean,
  integer,
  object,
  oneOf,
  optional,
  path,
  recordOf,
  required,
  secret,
  tagged,
  text,
} from './schema-kit.ts';
import type { INVALID } from './schema-kit.ts';

/**
 * The shape of tsworld.config.json, one table per section, and (below) every default in one place.
 * GoWorld's goworld.ini had [game_common] and [gameN] sections; here `gameDefaults` / `gateDefaults`
 * play the common part and each entry of `games` / `gates` may override any of them.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const id = integer(1, 65535);
const port = integer(0, 65535);
const host = text('a host name or IP address', /^[A-Za-z0-9.:[\]_-]+$/);
const identifier = text('an identifier (letters, digits, _; not starting with a digit)', /^[A-Za-z_][A-Za-z0-9_]*$/);
const logLevel = oneOf(LOG_LEVELS);
/** Host names are kept shell-friendly: they appear in `--host NAME` and in TSWORLD_HOST_<name>_ADDRESS. */
export const HOST_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

const storageSpec = tagged('kind', {
  memory: {},
  lmdb: { path: required(path()), minFreeBytes: optional(integer(0, 2 ** 50)) },
  redis: {
    url: required(text('a redis:// or rediss:// URL', /^rediss?:\/\/\S+$/)),
    prefix: optional(text('a key prefix without braces or spaces', /^[^{}\s]*$/)),
    commandTimeoutMs: optional(integer(100, 600_000)),
    maxInFlight: optional(integer(1, 1_000_000)),
  },
});

/** The dispatcher's bounds on frames it holds for entities (see README, "Dispatcher limits"). */
const dispatcherTuning = {
  pendingTimeoutMs: optional(integer(1000, 3_600_000)),
  unplacedTimeoutMs: optional(integer(100, 600_000)),
  maxHeldPerEntity: optional(integer(1, 10_000_000)),
  maxPendingPerSender: optional(integer(1, 10_000_000)),
  maxPendingTotal: optional(integer(1, 10_000_000)),
  maxPendingHeldFrames: optional(integer(1, 100_000_000)),
  maxPendingHeldBytes: optional(integer(1024, 4 * 1024 * 1024 * 1024)),
  lostEntityTtlMs: optional(integer(1000, 86_400_000)),
};

const gameTuning = {
  tickHz: optional(integer(1, 1000)),
  saveIntervalSec: optional(integer(1, 86_400)),
  saveRetryMaxDelayMs: optional(integer(10, 600_000)),
  stopSaveTimeoutMs: optional(integer(0, 600_000)),
  positionSyncHz: optional(integer(1, 1000)),
  overloadRefuseAfterMs: optional(integer(0, 600_000)),
  degradedSyncDivisor: optional(integer(1, 1000)),
  sharedPositionBatches: optional(boolean()),
};

const origin = text('an origin such as https://play.example.com', /^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i);

const gateTuning = {
  host: optional(host),
  maxPayload: optional(integer(64, 16 * 1024 * 1024)),
  heartbeatTimeoutMs: optional(integer(1000, 3_600_000)),
  maxMessagesPerSecond: optional(integer(1, 100_000)),
  maxBytesPerSecond: optional(integer(64, 1024 * 1024 * 1024)),
  handshakeTimeoutMs: optional(integer(100, 600_000)),
  maxConnections: optional(integer(1, 10_000_000)),
  maxConnectionsPerIp: optional(integer(1, 10_000_000)),
  connectsPerIpPerSec: optional(integer(1, 1_000_000)),
  connectBurstPerIp: optional(integer(1, 1_000_000)),
  maxTrackedIps: optional(integer(1, 100_000_000)),
  allowedOrigins: optional(arrayOf(origin)),
  maxArgDepth: optional(integer(1, 64)),
  maxArgElements: optional(integer(1, 1_000_000)),
  clientSendBufferBytes: optional(integer(4096, 1024 * 1024 * 1024)),
  clientCoalesceBytes: optional(integer(1024, 1024 * 1024 * 1024)),
  fdReserve: optional(integer(16, 1_000_000)),
  degradedPositionIntervalMs: optional(integer(10, 60_000)),
  positionFlushIntervalMs: optional(integer(0, 1000)),
  viewChangeHoldMs: optional(integer(0, 1000)),
  maxPendingRequests: optional(integer(1, 1_000_000)),
  requestTimeoutMs: optional(integer(100, 3_600_000)),
  staticDir: optional(path()),
};

/** Fields every process entry accepts. */
const processFields = {
  id: required(id),
  metricsPort: optional(port),
  metricsHost: optional(host),
  logLevel: optional(logLevel),
};

export const deploymentSchema = object({
  $schema: optional(text('a string', /^/)),
  deployment: required(text('a name of letters, digits, ., _ or -', /^[A-Za-z0-9][A-Za-z0-9._-]*$/)),
  entry: required(path()),
  dispatcherDefaults: optional(object(dispatcherTuning)),
  dispatchers: required(
    arrayOf(object({ ...processFields, ...dispatcherTuning, host: optional(host), port: required(port) }), 1),
  ),
  gameDefaults: optional(object({ ...gameTuning, bootEntity: optional(identifier) })),
  games: required(arrayOf(object({ ...processFields, ...gameTuning, bootEntity: optional(identifier), host: optional(host) }), 1)),
  // resumeGraceMs is enforced by the games (a client may resume on any gate): one value, for the deployment.
  gateDefaults: optional(object({ ...gateTuning, resumeGraceMs: optional(integer(0, 3_600_000)) })),
  gates: required(arrayOf(object({ ...processFields, ...gateTuning, port: required(port) }))),
  storage: required(storageSpec),
  kv: optional(storageSpec),
  hotswap: optional(
    object({
      freezeQueueMaxPackets: optional(integer(1, 100_000_000)),
      freezeQueueMaxMs: optional(integer(1, 600_000)),
      snapshotDir: optional(path()),
      probationMs: optional(integer(0, 600_000)),
      probationMaxErrors: optional(integer(0, 1_000_000)),
    }),
  ),
  logging: optional(
    object({
      level: optional(logLevel),
      dir: optional(path()),
      maxFileBytes: optional(integer(4096, 1024 * 1024 * 1024 * 1024)),
      maxFiles: optional(integer(0, 1000)),
    }),
  ),
  links: optional(
    object({
      highWatermarkBytes: optional(integer(4096, 4 * 1024 * 1024 * 1024)),
      lowWatermarkBytes: optional(integer(0, 4 * 1024 * 1024 * 1024)),
      maxPendingBytes: optional(integer(4096, 16 * 1024 * 1024 * 1024)),
      reconnectQueueMaxBytes: optional(integer(0, 4 * 1024 * 1024 * 1024)),
      reconnectQueueMaxMs: optional(integer(0, 3_600_000)),
      ackHoldMaxMs: optional(integer(0, 600_000)),
      maxUnackedBytes: optional(integer(4096, 16 * 1024 * 1024 * 1024)),
    }),
  ),
  /** The secret internal links authenticate with (SPEC.md, "Link authentication"); TSWORLD_CLUSTER_SECRET overrides it. */
  cluster: optional(object({ secret: optional(secret(16)) })),
  /**
   * The machines of a multi-host deployment (src/config/hosts.ts): name → the address its processes bind
   * and the others reach them at. With this section every process entry's `host` names one of them.
   */
  hosts: optional(recordOf('a host name (a letter, then letters, digits or _)', HOST_NAME, object({ address: required(host) }))),
  /** Where every process's metrics server binds unless its entry says otherwise. */
  metricsHost: optional(host),
  liveness: optional(object({ heartbeatMs: optional(integer(50, 60_000)), timeoutMs: optional(integer(200, 600_000)) })),
  supervision: optional(
    object({
      enabled: optional(boolean()),
      maxRestarts: optional(integer(0, 1000)),
      withinSec: optional(integer(1, 86_400)),
      backoffMs: optional(integer(0, 600_000)),
      maxBackoffMs: optional(integer(0, 3_600_000)),
      hangTimeoutMs: optional(integer(500, 3_600_000)),
    }),
  ),
});

/** The config as written, after validation and before defaults. */
export type RawDeploymentConfig = Exclude<ReturnType<typeof deploymentSchema.parse>, typeof INVALID>;

/**
 * Every default, in one place. Relative paths here resolve against the config file's directory, like
 * paths written in the file. `kv` has no default of its own: it falls back to the `storage` section
 * (one LMDB directory, separate named databases).
 */
export const DEFAULTS = {
  host: '127.0.0.1',
  /** Metrics (and /health, /ready) stay on loopback unless a host is given: they tell an outsider a lot. */
  metricsHost: '127.0.0.1',
  /** The reason for each dispatcher default is in src/config/README.md, "Dispatcher limits". */
  dispatcher: {
    pendingTimeoutMs: 60_000,
    unplacedTimeoutMs: 5_000,
    maxHeldPerEntity: 10_000,
    maxPendingPerSender: 4_096,
    maxPendingTotal: 16_384,
    maxPendingHeldFrames: 65_536,
    maxPendingHeldBytes: 16 * 1024 * 1024,
    lostEntityTtlMs: 120_000,
  },
  /** overloadRefuseAfterMs and degradedSyncDivisor: src/config/README.md, "Overload". */
  game: { tickHz: 20, saveIntervalSec: 300, positionSyncHz: 10, saveRetryMaxDelayMs: 5_000, stopSaveTimeoutMs: 5_000, overloadRefuseAfterMs: 5_000, degradedSyncDivisor: 4, sharedPositionBatches: true },
  /** The reason for each gate default is in src/config/README.md, "Gate limits". */
  gate: {
    maxPayload: 64 * 1024,
    heartbeatTimeoutMs: 30_000,
    maxMessagesPerSecond: 100,
    // maxBytesPerSecond: absent means 4 × maxPayload (resolved in load-config: it follows the payload limit).
    handshakeTimeoutMs: 5_000,
    maxConnections: 10_000,
    maxConnectionsPerIp: 50,
    connectsPerIpPerSec: 10,
    connectBurstPerIp: 50,
    maxTrackedIps: 100_000,
    allowedOrigins: [] as readonly string[],
    maxArgDepth: 16,
    maxArgElements: 4096,
    clientSendBufferBytes: 1024 * 1024,
    clientCoalesceBytes: 256 * 1024,
    fdReserve: 256,
    degradedPositionIntervalMs: 200,
    positionFlushIntervalMs: 4,
    viewChangeHoldMs: 60,
    resumeGraceMs: 30_000,
    maxPendingRequests: 64,
    requestTimeoutMs: 30_000,
  },
  /** probation*: a reload is complete only once the new code ran this long with at most this many errors. */
  hotswap: { freezeQueueMaxPackets: 1_000_000, freezeQueueMaxMs: 10_000, snapshotDir: 'snapshots', probationMs: 3_000, probationMaxErrors: 0 },
  /** Each process's log file rotates at maxFileBytes; maxFiles rotated ones are kept (src/config/README.md, "Logging"). */
  logging: { level: 'info', dir: 'logs', maxFileBytes: 10 * 1024 * 1024, maxFiles: 5 },
  /** Every internal link's backlog bounds; the reasons are in src/config/README.md, "Overload". */
  /** reconnectQueue*: what a game or gate parks for a dispatcher that is gone (restarting), and for how long. */
  links: {
    highWatermarkBytes: 8 * 1024 * 1024, lowWatermarkBytes: 2 * 1024 * 1024, maxPendingBytes: 64 * 1024 * 1024,
    reconnectQueueMaxBytes: 16 * 1024 * 1024, reconnectQueueMaxMs: 30_000, ackHoldMaxMs: 2_000,
    maxUnackedBytes: 64 * 1024 * 1024,
  },
  /** Heartbeats on every internal link; the reason for each default is in src/config/README.md, "Liveness". */
  liveness: { heartbeatMs: 1_000, timeoutMs: 5_000 },
  /** OTP-style restart intensity of the per-host supervisor; the reasons are in src/config/README.md, "Supervision". */
  supervision: { enabled: true, maxRestarts: 5, withinSec: 60, backoffMs: 250, maxBackoffMs: 10_000, hangTimeoutMs: 10_000 },
} as const;
