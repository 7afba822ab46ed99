import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deploymentDirEachTest, refusalOf } from './config-fixture.ts';
import { validateConfig } from '../../../src/config/index.ts';
import { isLoopback } from '../../../src/config/load-config.ts';

let dir: string;
deploymentDirEachTest('tsworld-config-', (d) => (dir = d));

const SECRET = '0123456789abcdef0123456789abcdef';

function minimal(): Record<string, unknown> {
  return {
    deployment: 'chatroom',
    entry: './game/main.ts',
    dispatchers: [{ id: 1, port: 13001 }],
    games: [{ id: 1 }],
    gates: [{ id: 1, port: 14001 }],
    storage: { kind: 'memory' },
  };
}

function problemsOf(raw: unknown): readonly string[] {
  return refusalOf(raw, { baseDir: dir }).problems;
}

describe('cluster secret and internal addresses', () => {
  it('needs no secret while every dispatcher is on loopback', () => {
    expect(validateConfig(minimal(), { baseDir: dir }).cluster).toEqual({});
    const ipv6 = validateConfig({ ...minimal(), dispatchers: [{ id: 1, port: 13001, host: '::1' }] }, { baseDir: dir });
    expect(ipv6.dispatchers[0]!.host).toBe('::1');
  });

  it('refuses a dispatcher off loopback without a secret, naming the key and the fix', () => {
    const offLoopback = { ...minimal(), dispatchers: [{ id: 1, port: 13001 }, { id: 2, port: 13002, host: '0.0.0.0' }] };
    expect(problemsOf(offLoopback)).toEqual([
      expect.stringMatching(/^dispatchers\[1\]\.host: 0\.0\.0\.0 is not a loopback address.*set cluster\.secret or TSWORLD_CLUSTER_SECRET/),
    ]);
    const config = validateConfig({ ...offLoopback, cluster: { secret: SECRET } }, { baseDir: dir });
    expect(config.cluster.secret).toBe(SECRET);
  });

  it('leaves gates alone: a client port off loopback needs no secret', () => {
    const config = validateConfig({ ...minimal(), gates: [{ id: 1, port: 14001, host: '0.0.0.0' }] }, { baseDir: dir });
    expect(config.gates[0]!.host).toBe('0.0.0.0');
  });

  it('refuses a short secret without echoing it', () => {
    const problems = problemsOf({ ...minimal(), cluster: { secret: 'hunter2' } });
    expect(problems).toEqual(['cluster.secret: expected a secret of at least 16 characters without spaces, got a string of 7 characters (not shown)']);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('tells loopback from other addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'game-host', '128.0.0.1', '127.0.0.1.example.com']) {
      expect(isLoopback(host), host).toBe(false);
    }
  });
});

describe('metrics host', () => {
  it('defaults to loopback, takes a top-level default and a per-process value', () => {
    expect(validateConfig(minimal(), { baseDir: dir }).games[0]!.metricsHost).toBe('127.0.0.1');
    const config = validateConfig(
      { ...minimal(), metricsHost: '0.0.0.0', games: [{ id: 1 }, { id: 2, metricsHost: '10.0.0.7' }] },
      { baseDir: dir },
    );
    expect(config.dispatchers[0]!.metricsHost).toBe('0.0.0.0');
    expect(config.games.map((g) => g.metricsHost)).toEqual(['0.0.0.0', '10.0.0.7']);
    expect(config.gates[0]!.metricsHost).toBe('0.0.0.0');
  });

  it('sees a metrics port clash on the host it binds', () => {
    const clash = { ...minimal(), games: [{ id: 1, metricsPort: 9100 }, { id: 2, metricsPort: 9100, metricsHost: '10.0.0.7' }] };
    expect(validateConfig(clash, { baseDir: dir }).games).toHaveLength(2);
    expect(problemsOf({ ...clash, metricsHost: '0.0.0.0' })).toEqual(['games[1].metricsPort: port 9100 is already used by games[0].metricsPort']);
  });
});
