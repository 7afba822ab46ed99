import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deploymentDirEachTest } from './config-fixture.ts';
import { ConfigError, loadConfig, validateConfig } from '../../../src/config/index.ts';
import { ENV_VARIABLES } from '../../../src/config/env-overrides.ts';

let dir: string;
deploymentDirEachTest('tsworld-env-', (d) => (dir = d));

const SECRET = 'fedcba9876543210fedcba9876543210';

function minimal(): Record<string, unknown> {
  return {
    deployment: 'env',
    entry: './game/main.ts',
    dispatchers: [{ id: 1, port: 13001 }, { id: 2, port: 13002 }],
    games: [{ id: 1 }],
    gates: [{ id: 7, port: 14001 }],
    storage: { kind: 'redis', url: 'redis://127.0.0.1:6379' },
  };
}

const withEnv = (env: Record<string, string>, raw: Record<string, unknown> = minimal()) => validateConfig(raw, { baseDir: dir, env });

function problemsOf(env: Record<string, string>, raw: Record<string, unknown> = minimal()): readonly string[] {
  try {
    withEnv(env, raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the config to be refused');
}

describe('TSWORLD_* environment overrides', () => {
  it('override addresses, ports, metrics, log level, the Redis URLs and the secret', () => {
    const raw = minimal();
    const config = withEnv({
      TSWORLD_CLUSTER_SECRET: SECRET,
      TSWORLD_DISPATCHER_2_HOST: '10.0.0.2',
      TSWORLD_DISPATCHER_2_PORT: '23002',
      TSWORLD_GATE_7_HOST: '0.0.0.0',
      TSWORLD_GATE_7_PORT: '8080',
      TSWORLD_GATE_7_METRICS_PORT: '9107',
      TSWORLD_GAME_1_METRICS_HOST: '10.0.0.9',
      TSWORLD_GAME_1_LOG_LEVEL: 'debug',
      TSWORLD_METRICS_HOST: '0.0.0.0',
      TSWORLD_LOG_LEVEL: 'warn',
      TSWORLD_STORAGE_URL: 'redis://db.internal:6380/2',
      TSWORLD_KV_URL: 'redis://kv.internal:6381',
      // Empty counts as unset; names of other programs are not looked at.
      TSWORLD_DISPATCHER_1_PORT: '',
      HOME: '/root',
    }, raw);
    expect(config.cluster.secret).toBe(SECRET);
    expect(config.dispatchers.map((d) => [d.host, d.port])).toEqual([['127.0.0.1', 13001], ['10.0.0.2', 23002]]);
    expect(config.gates[0]).toMatchObject({ host: '0.0.0.0', port: 8080, metricsPort: 9107, metricsHost: '0.0.0.0', logLevel: 'warn' });
    expect(config.games[0]).toMatchObject({ metricsHost: '10.0.0.9', logLevel: 'debug' });
    expect(config.dispatchers[0]!.metricsHost).toBe('0.0.0.0');
    expect(config.storage).toEqual({ kind: 'redis', url: 'redis://db.internal:6380/2' });
    // kv was absent: it falls back to storage, with its own URL.
    expect(config.kv).toEqual({ kind: 'redis', url: 'redis://kv.internal:6381' });
    // The input object is left as it was.
    expect(raw).toEqual(minimal());
  });

  it('refuses a bad value under the variable that set it, as it would a value in the file', () => {
    expect(problemsOf({ TSWORLD_DISPATCHER_1_PORT: 'eighty', TSWORLD_GATE_7_PORT: '70000', TSWORLD_LOG_LEVEL: 'loud' })).toEqual([
      'TSWORLD_DISPATCHER_1_PORT (dispatchers[0].port): expected integer 0..65535, got "eighty"',
      'TSWORLD_GATE_7_PORT (gates[0].port): expected integer 0..65535, got 70000',
      expect.stringMatching(/^TSWORLD_LOG_LEVEL \(logging\.level\): expected one of 'fatal' .*, got "loud"$/),
    ]);
    expect(problemsOf({ TSWORLD_CLUSTER_SECRET: 'short' })).toEqual([
      'TSWORLD_CLUSTER_SECRET (cluster.secret): expected a secret of at least 16 characters without spaces, got a string of 5 characters (not shown)',
    ]);
    expect(problemsOf({ TSWORLD_DISPATCHER_1_HOST: 'bad host!' })).toEqual([
      expect.stringMatching(/^TSWORLD_DISPATCHER_1_HOST \(dispatchers\[0\]\.host\): expected a host name or IP address/),
    ]);
  });

  it('names the variable when an override breaks a rule that spans keys', () => {
    expect(problemsOf({ TSWORLD_DISPATCHER_2_HOST: '10.0.0.2' })).toEqual([
      expect.stringMatching(/^TSWORLD_DISPATCHER_2_HOST \(dispatchers\[1\]\.host\): 10\.0\.0\.2 is not a loopback address.*TSWORLD_CLUSTER_SECRET/),
    ]);
    expect(problemsOf({ TSWORLD_GATE_7_PORT: '13001' })).toEqual(['TSWORLD_GATE_7_PORT (gates[0].port): port 13001 is already used by dispatchers[0].port']);
  });

  it('refuses unknown names, missing ids, games with ports, and URLs for storage that is not Redis', () => {
    expect(problemsOf({ TSWORLD_CLUSTER_SECRT: SECRET })).toEqual([expect.stringMatching(/^TSWORLD_CLUSTER_SECRT: not a tsworld variable \(did you mean TSWORLD_CLUSTER_SECRET\?\)/)]);
    expect(problemsOf({ TSWORLD_GATE_3_PORT: '1' })).toEqual(['TSWORLD_GATE_3_PORT: the config has no gate with id 3']);
    expect(problemsOf({ TSWORLD_GAME_1_PORT: '1' })).toEqual(['TSWORLD_GAME_1_PORT: a game listens on no port (it connects to the dispatchers)']);
    const lmdb = { ...minimal(), storage: { kind: 'lmdb', path: './data' } };
    expect(problemsOf({ TSWORLD_STORAGE_URL: 'redis://x:1', TSWORLD_KV_URL: 'redis://y:1' }, lmdb)).toEqual([
      'TSWORLD_KV_URL: storage (kv falls back to it) is of kind lmdb; the URL applies to kind redis only',
      'TSWORLD_STORAGE_URL: storage is of kind lmdb; the URL applies to kind redis only',
    ]);
    expect(problemsOf({ TSWORLD_STORAGE_URL: 'http://x' })).toEqual([expect.stringMatching(/^TSWORLD_STORAGE_URL \(storage\.url\): expected a redis:\/\/ or rediss:\/\/ URL/)]);
  });

  it('are read by loadConfig from the environment it is given, and from none by validateConfig by default', () => {
    const file = join(dir, 'tsworld.config.json');
    writeFileSync(file, JSON.stringify(minimal()));
    expect(loadConfig(file, { TSWORLD_DISPATCHER_1_PORT: '31001' }).dispatchers[0]!.port).toBe(31001);
    expect(loadConfig(file, {}).dispatchers[0]!.port).toBe(13001);
    expect(validateConfig(minimal(), { baseDir: dir }).dispatchers[0]!.port).toBe(13001);
  });

  it('are all listed in the README', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');
    expect(ENV_VARIABLES).toHaveLength(5 + 5 + 3 + 5 + 1);
    expect(ENV_VARIABLES.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });
});
