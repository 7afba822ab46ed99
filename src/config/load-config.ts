import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TsworldError } from '../core/errors.ts';
import type { DeploymentConfig, DispatcherConfig, GameConfig, GateConfig } from './deployment-config.ts';
import { DEFAULTS, deploymentSchema } from './deployment-schema.ts';
import type { RawDeploymentConfig } from './deployment-schema.ts';
import { applyEnvOverrides, nameVariables } from './env-overrides.ts';
import { checkHosts, metricsHostOf, placeEntry } from './hosts.ts';
import { INVALID } from './schema-kit.ts';

/** The conventional file name; `tsworld` commands look for it in the deployment directory. */
export const CONFIG_FILE_NAME = 'tsworld.config.json';

/** INVALID_CONFIG with every problem found, so one edit-and-retry fixes them all. */
export class ConfigError extends TsworldError {
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[], options?: { cause?: unknown }) {
    super('INVALID_CONFIG', `invalid config ${source}:\n  - ${problems.join('\n  - ')}`, options);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The environment a config is read with: only `TSWORLD_*` names are looked at (env-overrides.ts). */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

/**
 * Reads, parses and validates a deployment config file, with the `TSWORLD_*` variables of `env` (the
 * process's environment unless given) applied over it. Throws ConfigError (INVALID_CONFIG).
 */
export function loadConfig(configPath: string, env: ConfigEnv = process.env): DeploymentConfig {
  const absolute = resolve(configPath);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    throw new ConfigError(absolute, [`cannot read the file: ${(err as Error).message}`], { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(absolute, [`not valid JSON: ${(err as Error).message}`], { cause: err });
  }
  return validateConfig(raw, { baseDir: dirname(absolute), configPath: absolute, env });
}

/**
 * Validates an already-parsed config object (what the CLI writes, or a test builds), applies the
 * defaults and resolves relative paths against `baseDir`. Throws ConfigError listing every problem.
 * With `env`, its `TSWORLD_*` variables override the object first, and a problem with a value one of
 * them set is reported under the variable's name.
 */
export function validateConfig(raw: unknown, where: { baseDir: string; configPath?: string; env?: ConfigEnv }): DeploymentConfig {
  const source = where.configPath ?? '(object)';
  const overrides = applyEnvOverrides(raw, where.env ?? {});
  const issues: string[] = [...overrides.issues];
  const fail = () => new ConfigError(source, nameVariables(issues, overrides.sources));
  const parsed = deploymentSchema.parse(overrides.raw, '', { issues, baseDir: resolve(where.baseDir) });
  if (parsed === INVALID) throw fail();
  const config = applyDefaults(parsed, resolve(where.baseDir), where.configPath);
  checkConsistency(config, issues);
  checkHosts(config, parsed.hosts !== undefined, isLoopback, issues);
  if (issues.length > 0) throw fail();
  return config;
}

function applyDefaults(raw: RawDeploymentConfig, baseDir: string, configPath: string | undefined): DeploymentConfig {
  const level = raw.logging?.level ?? DEFAULTS.logging.level;
  const metricsHost = raw.metricsHost ?? DEFAULTS.metricsHost;
  const { hosts } = raw;
  // An entry's host names its machine when there is a hosts section (hosts.ts), else it is an address.
  const placed = (written: string | undefined, entryMetricsHost: string | undefined) => {
    const at = placeEntry(hosts, written, DEFAULTS.host);
    return { ...at, metricsHost: metricsHostOf(entryMetricsHost, raw.metricsHost, at, hosts, metricsHost) };
  };
  const dispatchers = raw.dispatchers.map(
    (d): DispatcherConfig => ({
      ...DEFAULTS.dispatcher,
      ...raw.dispatcherDefaults,
      ...d,
      ...placed(d.host, d.metricsHost),
      logLevel: d.logLevel ?? level,
    }),
  );
  const games = raw.games.map((g): GameConfig => {
    const { host: written, ...entry } = g;
    const at = placed(written, g.metricsHost);
    const hostName = at.hostName ?? (hosts === undefined ? written : undefined);
    return { ...DEFAULTS.game, ...raw.gameDefaults, ...entry, logLevel: g.logLevel ?? level, metricsHost: at.metricsHost, ...(hostName === undefined ? {} : { hostName }) };
  });
  const gates = raw.gates.map((g): GateConfig => {
    const merged = {
      ...DEFAULTS.gate,
      ...raw.gateDefaults,
      ...g,
      ...placed(g.host ?? raw.gateDefaults?.host, g.metricsHost),
      logLevel: g.logLevel ?? level,
    };
    // Four maximum-size messages a second, sustained, unless set: no legitimate client comes near it.
    return { ...merged, maxBytesPerSecond: merged.maxBytesPerSecond ?? 4 * merged.maxPayload };
  });
  const hotswap = { ...DEFAULTS.hotswap, ...raw.hotswap };
  const logging = { ...DEFAULTS.logging, ...raw.logging };
  return {
    ...(configPath === undefined ? {} : { configPath }),
    baseDir,
    deployment: raw.deployment,
    entry: raw.entry,
    dispatchers,
    games,
    gates,
    storage: raw.storage,
    kv: raw.kv ?? raw.storage,
    // Defaults are written relative; they resolve like paths in the file.
    hotswap: { ...hotswap, snapshotDir: resolve(baseDir, hotswap.snapshotDir) },
    logging: { level: logging.level, dir: resolve(baseDir, logging.dir), maxFileBytes: logging.maxFileBytes, maxFiles: logging.maxFiles },
    links: { ...DEFAULTS.links, ...raw.links },
    liveness: { ...DEFAULTS.liveness, ...raw.liveness },
    hosts: hosts ?? {},
    cluster: raw.cluster?.secret === undefined ? {} : { secret: raw.cluster.secret },
    resumeGraceMs: raw.gateDefaults?.resumeGraceMs ?? DEFAULTS.gate.resumeGraceMs,
    supervision: { ...DEFAULTS.supervision, ...raw.supervision },
  };
}

/** Rules that span several keys: unique ids per role, no two listeners on one port, sane rates. */
function checkConsistency(config: DeploymentConfig, issues: string[]): void {
  if (!existsSync(config.entry)) issues.push(`entry: file not found: ${config.entry}`);

  const roles = [
    ['dispatchers', config.dispatchers],
    ['games', config.games],
    ['gates', config.gates],
  ] as const;
  for (const [role, entries] of roles) {
    const seen = new Map<number, number>();
    entries.forEach((entry, i) => {
      const first = seen.get(entry.id);
      if (first !== undefined) issues.push(`${role}[${i}].id: duplicate id ${entry.id} (also ${role}[${first}].id)`);
      else seen.set(entry.id, i);
    });
  }

  config.games.forEach((game, i) => {
    if (game.positionSyncHz > game.tickHz) {
      issues.push(`games[${i}].positionSyncHz: ${game.positionSyncHz} exceeds tickHz ${game.tickHz} (sync is sent from the tick)`);
    }
  });

  // A peer must miss at least two heartbeats before it can be suspected, or a busy moment looks like death.
  if (config.liveness.timeoutMs < 4 * config.liveness.heartbeatMs) {
    issues.push(`liveness.timeoutMs: ${config.liveness.timeoutMs} is below 4 × heartbeatMs (${config.liveness.heartbeatMs})`);
  }

  // Hysteresis needs low < high, and degraded mode must come before the hard bound fails the link.
  const { links } = config;
  if (!(links.lowWatermarkBytes < links.highWatermarkBytes && links.highWatermarkBytes < links.maxPendingBytes)) {
    issues.push(
      `links: expected lowWatermarkBytes < highWatermarkBytes < maxPendingBytes, got ${links.lowWatermarkBytes}, ` +
        `${links.highWatermarkBytes}, ${links.maxPendingBytes}`,
    );
  }

  config.gates.forEach((gate, i) => {
    if (gate.clientCoalesceBytes >= gate.clientSendBufferBytes) {
      issues.push(`gates[${i}].clientCoalesceBytes: ${gate.clientCoalesceBytes} must be below clientSendBufferBytes ${gate.clientSendBufferBytes}`);
    }
    // One full-size message must fit in a second's byte budget, or such a message is never accepted.
    if (gate.maxBytesPerSecond < gate.maxPayload) {
      issues.push(`gates[${i}].maxBytesPerSecond: ${gate.maxBytesPerSecond} is below maxPayload ${gate.maxPayload}`);
    }
    if (gate.maxConnectionsPerIp > gate.maxConnections) {
      issues.push(`gates[${i}].maxConnectionsPerIp: ${gate.maxConnectionsPerIp} exceeds maxConnections ${gate.maxConnections}`);
    }
  });

  checkLinkSecret(config, issues);

  const listeners: { path: string; host: string; port: number; machine?: string }[] = [];
  for (const [role, entries] of roles) {
    entries.forEach((entry, i) => {
      const machine = entry.hostName;
      if ('port' in entry) listeners.push({ path: `${role}[${i}].port`, host: entry.host, port: entry.port, machine });
      if (entry.metricsPort !== undefined) {
        listeners.push({ path: `${role}[${i}].metricsPort`, host: entry.metricsHost, port: entry.metricsPort, machine });
      }
    });
  }
  for (let a = 0; a < listeners.length; a++) {
    for (let b = 0; b < a; b++) {
      const [x, y] = [listeners[a]!, listeners[b]!];
      // Port 0 asks the OS for a free port, so any number of listeners may use it; two hosts never clash.
      if (x.port !== 0 && x.port === y.port && x.machine === y.machine && hostsOverlap(x.host, y.host)) {
        issues.push(`${x.path}: port ${x.port} is already used by ${y.path}`);
        break;
      }
    }
  }
}

/**
 * Internal links authenticate only with a cluster secret (SPEC.md, "Link authentication"): a dispatcher
 * reachable from off the machine without one would take any process that connects for a game or a gate.
 */
function checkLinkSecret(config: DeploymentConfig, issues: string[]): void {
  if (config.cluster.secret !== undefined) return;
  config.dispatchers.forEach((d, i) => {
    if (isLoopback(d.host)) return;
    issues.push(
      `dispatchers[${i}].host: ${d.host} is not a loopback address, and internal links without a cluster secret are ` +
        'unauthenticated: set cluster.secret or TSWORLD_CLUSTER_SECRET (e.g. openssl rand -hex 32), or bind 127.0.0.1',
    );
  });
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** Two listeners clash on a port when they bind the same host or either binds every interface. */
function hostsOverlap(a: string, b: string): boolean {
  const wildcard = (h: string): boolean => h === '0.0.0.0' || h === '::' || h === '[::]';
  return a === b || wildcard(a) || wildcard(b);
}
