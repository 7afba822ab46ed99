import { suggestKey } from './suggest.ts';

/**
 * 12-factor overrides: `TSWORLD_*` environment variables replace values of the config file before it is
 * validated, so a bad value is refused exactly as one in the file would be, under the variable's name.
 * One table: every variable is listed here and in README.md ("Environment variables"). An empty value
 * counts as unset; a `TSWORLD_` name that is not in the table is an error (a typo must not be ignored).
 */
export const ENV_PREFIX = 'TSWORLD_';

type Raw = Record<string, unknown>;

/** Deployment-wide variables: name → how it is applied (returns a problem, or undefined). */
const GLOBAL: Record<string, { path: string; apply(raw: Raw, value: string): string | undefined }> = {
  TSWORLD_CLUSTER_SECRET: { path: 'cluster.secret', apply: (raw, v) => void (section(raw, 'cluster').secret = v) },
  TSWORLD_LOG_LEVEL: { path: 'logging.level', apply: (raw, v) => void (section(raw, 'logging').level = v) },
  TSWORLD_METRICS_HOST: { path: 'metricsHost', apply: (raw, v) => void (raw.metricsHost = v) },
  TSWORLD_STORAGE_URL: { path: 'storage.url', apply: (raw, v) => redisUrl(raw, 'storage', v) },
  TSWORLD_KV_URL: { path: 'kv.url', apply: (raw, v) => redisUrl(raw, 'kv', v) },
};

const ROLES = { DISPATCHER: 'dispatchers', GAME: 'games', GATE: 'gates' } as const;
/** Per-process settings: variable suffix → key of the process entry. */
const FIELDS = { HOST: 'host', PORT: 'port', METRICS_HOST: 'metricsHost', METRICS_PORT: 'metricsPort', LOG_LEVEL: 'logLevel' } as const;
const NUMERIC = new Set<string>(['port', 'metricsPort']);
const PER_PROCESS = /^TSWORLD_(DISPATCHER|GAME|GATE)_(\d+)_(HOST|PORT|METRICS_HOST|METRICS_PORT|LOG_LEVEL)$/;
/** A host's address (hosts.<name>.address); the name as written in the config. */
const PER_HOST = /^TSWORLD_HOST_([A-Za-z][A-Za-z0-9_]*)_ADDRESS$/;

/** Every variable name, for docs and did-you-mean hints (`<id>` stands for a process id). */
export const ENV_VARIABLES: readonly string[] = [
  ...Object.keys(GLOBAL),
  ...Object.keys(ROLES).flatMap((role) =>
    Object.keys(FIELDS)
      // A game listens on no port.
      .filter((field) => role !== 'GAME' || (field !== 'HOST' && field !== 'PORT'))
      .map((field) => `TSWORLD_${role}_<id>_${field}`),
  ),
  'TSWORLD_HOST_<name>_ADDRESS',
];

export interface EnvOverrides {
  /** The config with every override applied: a copy, the input is not changed. */
  readonly raw: unknown;
  /** Config path → the variable that set it, so a problem with the value names the variable. */
  readonly sources: ReadonlyMap<string, string>;
  readonly issues: readonly string[];
}

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function section(raw: Raw, key: string): Raw {
  if (!isObject(raw[key])) raw[key] = {};
  return raw[key] as Raw;
}

/** A Redis URL replaces the section's; `kv` absent falls back to `storage`, as the config does. */
function redisUrl(raw: Raw, key: 'storage' | 'kv', url: string): string | undefined {
  const base = raw[key] ?? (key === 'kv' ? raw.storage : undefined);
  if (!isObject(base) || base.kind !== 'redis') {
    const kind = isObject(base) ? String(base.kind) : 'missing';
    return `${key === 'kv' && raw.kv === undefined ? 'storage (kv falls back to it)' : key} is of kind ${kind}; the URL applies to kind redis only`;
  }
  raw[key] = { ...base, url };
  return undefined;
}

function applyPerProcess(raw: Raw, name: string, value: string, sources: Map<string, string>): string | undefined {
  const [, role, idText, field] = PER_PROCESS.exec(name)!;
  const list = ROLES[role as keyof typeof ROLES];
  const key = FIELDS[field as keyof typeof FIELDS];
  if (list === 'games' && (key === 'host' || key === 'port')) return 'a game listens on no port (it connects to the dispatchers)';
  const entries = raw[list];
  const index = Array.isArray(entries) ? entries.findIndex((e) => isObject(e) && e.id === Number(idText)) : -1;
  if (index < 0) return `the config has no ${list.slice(0, -1)} with id ${idText}`;
  // A port that is not digits stays a string, so the schema refuses it with its usual message.
  (entries as Raw[])[index]![key] = NUMERIC.has(key) && /^\d+$/.test(value) ? Number(value) : value;
  sources.set(`${list}[${index}].${key}`, name);
  return undefined;
}

function applyHostAddress(raw: Raw, name: string, value: string, sources: Map<string, string>): string | undefined {
  const host = PER_HOST.exec(name)![1]!;
  const hosts = raw.hosts;
  if (!isObject(hosts) || !isObject(hosts[host])) {
    return `the config has no host '${host}'${isObject(hosts) ? ` (hosts: ${Object.keys(hosts).join(', ')})` : ' (no hosts section)'}`;
  }
  hosts[host] = { ...hosts[host], address: value };
  sources.set(`hosts.${host}.address`, name);
  return undefined;
}

/**
 * `TSWORLD_` names read by something other than the config: `npm install`'s native build step, and the
 * Node flags the CLI gives every role process (spawn-role.ts).
 */
const NOT_CONFIG: ReadonlySet<string> = new Set(['TSWORLD_NO_NATIVE', 'TSWORLD_NODE_FLAGS']);

export function applyEnvOverrides(input: unknown, env: Readonly<Record<string, string | undefined>>): EnvOverrides {
  const sources = new Map<string, string>();
  const issues: string[] = [];
  const names = Object.keys(env)
    .filter((n) => n.startsWith(ENV_PREFIX) && !NOT_CONFIG.has(n) && env[n] !== undefined && env[n] !== '')
    .sort();
  // Nothing to apply to: the schema reports the shape, and the variables wait for a config that has one.
  if (names.length === 0 || !isObject(input)) return { raw: input, sources, issues };
  const raw = structuredClone(input);
  for (const name of names) {
    const value = env[name]!;
    const global = GLOBAL[name];
    let problem: string | undefined;
    if (global) {
      problem = global.apply(raw, value);
      sources.set(global.path, name);
    } else if (PER_PROCESS.test(name)) {
      problem = applyPerProcess(raw, name, value, sources);
    } else if (PER_HOST.test(name)) {
      problem = applyHostAddress(raw, name, value, sources);
    } else {
      const hint = suggestKey(name, ENV_VARIABLES.filter((v) => !v.includes('<')));
      problem = `not a tsworld variable${hint ? ` (did you mean ${hint}?)` : ''}; known: ${ENV_VARIABLES.join(', ')}`;
    }
    if (problem !== undefined) issues.push(`${name}: ${problem}`);
  }
  return { raw, sources, issues };
}

/** `dispatchers[0].port: expected …` → `TSWORLD_DISPATCHER_1_PORT (dispatchers[0].port): expected …`. */
export function nameVariables(issues: readonly string[], sources: ReadonlyMap<string, string>): string[] {
  return issues.map((issue) => {
    for (const [path, name] of sources) {
      if (issue.startsWith(`${path}:`)) return `${name} (${path})${issue.slice(path.length)}`;
    }
    return issue;
  });
}
