import {
  arrayOf,
  integer,
  object,
  oneOf,
  optional,
  path,
  required,
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

const storageSpec = tagged('kind', {
  memory: {},
  lmdb: { path: required(path()) },
});

const gameTuning = {
  tickHz: optional(integer(1, 1000)),
  saveIntervalSec: optional(integer(1, 86_400)),
  positionSyncHz: optional(integer(1, 1000)),
};

const gateTuning = {
  host: optional(host),
  maxPayload: optional(integer(64, 16 * 1024 * 1024)),
  heartbeatTimeoutMs: optional(integer(1000, 3_600_000)),
  maxMessagesPerSecond: optional(integer(1, 100_000)),
  staticDir: optional(path()),
};

/** Fields every process entry accepts. */
const processFields = {
  id: required(id),
  metricsPort: optional(port),
  logLevel: optional(logLevel),
};

export const deploymentSchema = object({
  $schema: optional(text('a string', /^/)),
  deployment: required(text('a name of letters, digits, ., _ or -', /^[A-Za-z0-9][A-Za-z0-9._-]*$/)),
  entry: required(path()),
  dispatchers: required(
    arrayOf(object({ ...processFields, host: optional(host), port: required(port) }), 1),
  ),
  gameDefaults: optional(object({ ...gameTuning, bootEntity: optional(identifier) })),
  games: required(arrayOf(object({ ...processFields, ...gameTuning, bootEntity: optional(identifier) }), 1)),
  gateDefaults: optional(object(gateTuning)),
  gates: required(arrayOf(object({ ...processFields, ...gateTuning, port: required(port) }))),
  storage: required(storageSpec),
  kv: optional(storageSpec),
  hotswap: optional(
    object({
      freezeQueueMaxPackets: optional(integer(1, 100_000_000)),
      freezeQueueMaxMs: optional(integer(1, 600_000)),
      snapshotDir: optional(path()),
    }),
  ),
  logging: optional(object({ level: optional(logLevel), dir: optional(path()) })),
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
  game: { tickHz: 20, saveIntervalSec: 300, positionSyncHz: 10 },
  gate: { maxPayload: 64 * 1024, heartbeatTimeoutMs: 30_000, maxMessagesPerSecond: 100 },
  hotswap: { freezeQueueMaxPackets: 1_000_000, freezeQueueMaxMs: 10_000, snapshotDir: 'snapshots' },
  logging: { level: 'info', dir: 'logs' },
} as const;
