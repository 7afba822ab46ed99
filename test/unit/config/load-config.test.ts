import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deploymentDirEachTest, refusalOf } from './config-fixture.ts';
import { ConfigError, DEFAULTS, loadConfig, validateConfig } from '../../../src/config/index.ts';

let dir: string;
deploymentDirEachTest('tsworld-config-', (d) => (dir = d));

/** The smallest valid deployment; tests spread changes over it. */
function minimal(): Record<string, unknown> {
  return {
    deployment: 'chatroom',
    entry: './game/main.ts',
    dispatchers: [{ id: 1, port: 13001 }],
    games: [{ id: 1 }],
    gates: [{ id: 1, port: 14001 }],
    storage: { kind: 'lmdb', path: './data' },
  };
}

function problemsOf(raw: unknown): readonly string[] {
  const err = refusalOf(raw, { baseDir: dir });
  expect(err.code).toBe('INVALID_CONFIG');
  return err.problems;
}

describe('loadConfig', () => {
  it('applies the defaults and resolves paths against the config file directory', () => {
    const file = join(dir, 'tsworld.config.json');
    writeFileSync(file, JSON.stringify(minimal()));
    const config = loadConfig(file);
    expect(config.configPath).toBe(file);
    expect(config.baseDir).toBe(dir);
    expect(config.entry).toBe(join(dir, 'game', 'main.ts'));
    expect(config.dispatchers).toEqual([{ id: 1, host: '127.0.0.1', port: 13001, ...DEFAULTS.dispatcher, logLevel: 'info', metricsHost: '127.0.0.1' }]);
    expect(config.games).toEqual([{ id: 1, ...DEFAULTS.game, logLevel: 'info', metricsHost: '127.0.0.1' }]);
    expect(config.gates).toEqual([{ id: 1, host: '127.0.0.1', port: 14001, ...DEFAULTS.gate, maxBytesPerSecond: 4 * DEFAULTS.gate.maxPayload, logLevel: 'info', metricsHost: '127.0.0.1' }]);
    expect(config.cluster).toEqual({});
    expect(config.storage).toEqual({ kind: 'lmdb', path: join(dir, 'data') });
    expect(config.kv).toEqual(config.storage);
    expect(config.hotswap).toEqual({
      freezeQueueMaxPackets: DEFAULTS.hotswap.freezeQueueMaxPackets,
      freezeQueueMaxMs: DEFAULTS.hotswap.freezeQueueMaxMs,
      snapshotDir: join(dir, 'snapshots'),
      probationMs: 3_000,
      probationMaxErrors: 0,
    });
    expect(config.supervision).toEqual({ enabled: true, maxRestarts: 5, withinSec: 60, backoffMs: 250, maxBackoffMs: 10_000, hangTimeoutMs: 10_000 });
    expect(config.liveness).toEqual({ heartbeatMs: 1_000, timeoutMs: 5_000 });
    expect(config.logging).toEqual({ level: 'info', dir: join(dir, 'logs'), maxFileBytes: 10 * 1024 * 1024, maxFiles: 5 });
  });

  it('layers built-in defaults, then gameDefaults/gateDefaults, then per-entry values', () => {
    const config = validateConfig(
      {
        ...minimal(),
        gameDefaults: { tickHz: 30, bootEntity: 'Account' },
        games: [{ id: 1 }, { id: 2, tickHz: 60, positionSyncHz: 60, bootEntity: 'Lobby', logLevel: 'debug' }],
        gateDefaults: { maxPayload: 4096, host: '0.0.0.0', staticDir: '/srv/www' },
        gates: [{ id: 1, port: 14001, host: '127.0.0.1', staticDir: 'www' }],
        logging: { level: 'warn' },
        kv: { kind: 'memory' },
        hotswap: { snapshotDir: '/var/tsworld/snap' },
      },
      { baseDir: dir },
    );
    expect(config.games[0]).toEqual({
      id: 1, tickHz: 30, saveIntervalSec: 300, positionSyncHz: 10, bootEntity: 'Account', logLevel: 'warn', metricsHost: '127.0.0.1',
      overloadRefuseAfterMs: 5000, degradedSyncDivisor: 4, saveRetryMaxDelayMs: 5000, stopSaveTimeoutMs: 5000, sharedPositionBatches: true,
    });
    expect(config.games[1]).toMatchObject({ id: 2, tickHz: 60, positionSyncHz: 60, bootEntity: 'Lobby', logLevel: 'debug' });
    expect(config.gates[0]).toMatchObject({ host: '127.0.0.1', maxPayload: 4096, staticDir: join(dir, 'www') });
    expect(config.kv).toEqual({ kind: 'memory' });
    expect(config.hotswap.snapshotDir).toBe('/var/tsworld/snap');
    expect(config.dispatchers[0]!.logLevel).toBe('warn');
  });

  it('layers dispatcher limits: built-in defaults, then dispatcherDefaults, then per-entry values', () => {
    const config = validateConfig(
      {
        ...minimal(),
        dispatcherDefaults: { unplacedTimeoutMs: 2000, maxPendingPerSender: 100 },
        dispatchers: [{ id: 1, port: 13001 }, { id: 2, port: 13002, maxPendingPerSender: 7 }],
      },
      { baseDir: dir },
    );
    expect(config.dispatchers[0]).toMatchObject({ unplacedTimeoutMs: 2000, maxPendingPerSender: 100, pendingTimeoutMs: 60_000 });
    expect(config.dispatchers[1]).toMatchObject({ unplacedTimeoutMs: 2000, maxPendingPerSender: 7 });
    expect(problemsOf({ ...minimal(), dispatcherDefaults: { maxPendingTotal: 0 } })).toEqual([
      'dispatcherDefaults.maxPendingTotal: expected integer 1..10000000, got 0',
    ]);
  });

  it('applies the link watermarks and refuses them out of order', () => {
    expect(validateConfig(minimal(), { baseDir: dir }).links).toMatchObject({
      highWatermarkBytes: 8 * 1024 * 1024, lowWatermarkBytes: 2 * 1024 * 1024, maxPendingBytes: 64 * 1024 * 1024,
    });
    expect(validateConfig({ ...minimal(), links: { highWatermarkBytes: 65536, lowWatermarkBytes: 16384 } }, { baseDir: dir }).links)
      .toMatchObject({ highWatermarkBytes: 65536, lowWatermarkBytes: 16384 });
    expect(problemsOf({ ...minimal(), links: { highWatermarkBytes: 65536, lowWatermarkBytes: 65536 } })).toEqual([
      'links: expected lowWatermarkBytes < highWatermarkBytes < maxPendingBytes, got 65536, 65536, 67108864',
    ]);
    expect(problemsOf({ ...minimal(), gateDefaults: { clientSendBufferBytes: 65536, clientCoalesceBytes: 65536 } })).toEqual([
      'gates[0].clientCoalesceBytes: 65536 must be below clientSendBufferBytes 65536',
    ]);
  });

  it('names every bad value with its full path, all at once', () => {
    const problems = problemsOf({
      ...minimal(),
      games: [{ id: 1 }, { id: 2, tickHz: 'fast' }, { id: 0, saveIntervalSec: 1.5 }],
      dispatchers: [{ id: 1, port: 70000, host: 'has space' }],
      storage: { kind: 'mongodb' },
      kv: { kind: 'redis', url: 'http://not-redis', prefix: 'a{b}' },
      logging: { level: 'verbose' },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'games[1].tickHz: expected integer 1..1000, got "fast"',
        'games[2].id: expected integer 1..65535, got 0',
        'games[2].saveIntervalSec: expected integer 1..86400, got 1.5',
        'dispatchers[0].port: expected integer 0..65535, got 70000',
        'dispatchers[0].host: expected a host name or IP address, got "has space"',
        "storage.kind: expected one of 'memory' | 'lmdb' | 'redis', got \"mongodb\"",
        'kv.url: expected a redis:// or rediss:// URL, got "http://not-redis"',
        'kv.prefix: expected a key prefix without braces or spaces, got "a{b}"',
        "logging.level: expected one of 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent', got \"verbose\"",
      ]),
    );
    expect(problems).toHaveLength(9);
  });

  it('takes Redis storage and KV with their options, and LMDB with its disk reserve', () => {
    const config = validateConfig(
      {
        ...minimal(),
        storage: { kind: 'lmdb', path: 'data', minFreeBytes: 1048576 },
        kv: { kind: 'redis', url: 'redis://10.0.0.5:6379/2', prefix: 'prod:', commandTimeoutMs: 2000 },
      },
      { baseDir: dir },
    );
    expect(config.storage).toEqual({ kind: 'lmdb', path: join(dir, 'data'), minFreeBytes: 1048576 });
    expect(config.kv).toEqual({ kind: 'redis', url: 'redis://10.0.0.5:6379/2', prefix: 'prod:', commandTimeoutMs: 2000 });
  });

  it('reports missing required keys and wrong container types', () => {
    const { entry: _entry, ...noEntry } = minimal();
    expect(problemsOf({ ...noEntry, gates: {}, games: [] })).toEqual([
      'entry: required key is missing (expected a non-empty path string)',
      'games: expected at least 1 item(s), got 0',
      'gates: expected an array, got an object',
    ]);
    expect(problemsOf({ ...minimal(), storage: { kind: 'lmdb' } })).toEqual([
      'storage.path: required key is missing (expected a non-empty path string)',
    ]);
    expect(problemsOf([])).toEqual(['(root): expected an object, got an array']);
  });

  it('refuses unknown keys, suggesting the closest known key', () => {
    const problems = problemsOf({
      ...minimal(),
      dispatchers: [{ id: 1, prot: 13001 }],
      games: [{ id: 1, tickhz: 30 }],
      gatez: [],
      storage: { kind: 'memory', path: './data' },
      somethingElse: true,
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        "unknown key 'dispatchers[0].prot' — did you mean 'port'?",
        "unknown key 'games[0].tickhz' — did you mean 'tickHz'?",
        "unknown key 'gatez' — did you mean 'gates'?",
        "unknown key 'storage.path'",
        "unknown key 'somethingElse'",
        // The typo hides the real key, which is then reported missing rather than defaulted.
        'dispatchers[0].port: required key is missing (expected integer 0..65535)',
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  it('refuses duplicate ids within a role and duplicate ports across listeners', () => {
    const problems = problemsOf({
      ...minimal(),
      dispatchers: [
        { id: 1, port: 13001 },
        { id: 1, port: 13002, metricsPort: 9100 },
      ],
      games: [{ id: 1, metricsPort: 9100 }, { id: 2, metricsPort: 0 }, { id: 3, metricsPort: 0 }],
      gates: [
        { id: 1, port: 13001, host: '0.0.0.0' },
        { id: 2, port: 13002, host: '10.0.0.5' },
      ],
    });
    expect(problems).toEqual([
      'dispatchers[1].id: duplicate id 1 (also dispatchers[0].id)',
      'games[0].metricsPort: port 9100 is already used by dispatchers[1].metricsPort',
      'gates[0].port: port 13001 is already used by dispatchers[0].port',
    ]);
  });

  it('checks cross-key rules: entry file exists, position sync no faster than the tick', () => {
    expect(
      problemsOf({ ...minimal(), entry: 'missing.ts', games: [{ id: 1, tickHz: 10, positionSyncHz: 20 }] }),
    ).toEqual([
      `entry: file not found: ${join(dir, 'missing.ts')}`,
      'games[0].positionSyncHz: 20 exceeds tickHz 10 (sync is sent from the tick)',
    ]);
  });

  it('checks the gate limits against each other', () => {
    const gates = [{ id: 1, port: 14001, maxPayload: 4096, maxBytesPerSecond: 1000, maxConnections: 10, maxConnectionsPerIp: 20 }];
    expect(problemsOf({ ...minimal(), gates })).toEqual([
      'gates[0].maxBytesPerSecond: 1000 is below maxPayload 4096',
      'gates[0].maxConnectionsPerIp: 20 exceeds maxConnections 10',
    ]);
    expect(problemsOf({ ...minimal(), gateDefaults: { allowedOrigins: ['not an origin'] } })).toEqual([
      expect.stringMatching(/^gateDefaults\.allowedOrigins\[0\]: expected an origin/),
    ]);
  });

  it('reports unreadable files and malformed JSON as INVALID_CONFIG naming the file', () => {
    const missing = join(dir, 'nope.json');
    expect(() => loadConfig(missing)).toThrow(ConfigError);
    expect(() => loadConfig(missing)).toThrow(/nope\.json[\s\S]*cannot read the file/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "deployment": "x", }');
    expect(() => loadConfig(broken)).toThrow(/broken\.json[\s\S]*not valid JSON/);
  });
});

describe('tsworld.config.example.json', () => {
  it('is a valid config', () => {
    const example = new URL('../../../src/config/tsworld.config.example.json', import.meta.url);
    const file = join(dir, 'tsworld.config.json');
    writeFileSync(file, readFileSync(example));
    const config = loadConfig(file);
    expect(config.games.map((g) => [g.id, g.tickHz, g.logLevel])).toEqual([
      [1, 20, 'info'],
      [2, 30, 'debug'],
    ]);
    expect(config.gates[0]!.staticDir).toBe(join(dir, 'www'));
  });
});
