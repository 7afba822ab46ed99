import { describe, expect, it } from 'vitest';
import { deploymentDirEachTest, refusalOf } from './config-fixture.ts';
import { validateConfig } from '../../../src/config/index.ts';

let dir: string;
deploymentDirEachTest('tsworld-hosts-config-', (d) => (dir = d));

const SECRET = '0123456789abcdef0123456789abcdef';

/** Three machines: a runs the dispatcher, b and c a game and a gate each, on Redis. */
function threeHosts(): Record<string, unknown> {
  return {
    deployment: 'chatroom',
    entry: './game/main.ts',
    hosts: { a: { address: '10.77.0.1' }, b: { address: '10.77.0.2' }, c: { address: '10.77.0.3' } },
    dispatchers: [{ id: 1, host: 'a', port: 13001, metricsPort: 9100 }],
    games: [{ id: 1, host: 'b', metricsPort: 9101 }, { id: 2, host: 'c', metricsPort: 9101 }],
    gates: [{ id: 1, host: 'b', port: 14001 }, { id: 2, host: 'c', port: 14001 }],
    storage: { kind: 'redis', url: 'redis://10.77.0.1:6379' },
    cluster: { secret: SECRET },
  };
}

function problemsOf(raw: unknown, env: Record<string, string> = {}): readonly string[] {
  return refusalOf(raw, { baseDir: dir, env }).problems;
}

describe('hosts', () => {
  it('places each process on its host: it binds and advertises the host address, metrics too', () => {
    const config = validateConfig(threeHosts(), { baseDir: dir });
    expect(config.hosts).toEqual({ a: { address: '10.77.0.1' }, b: { address: '10.77.0.2' }, c: { address: '10.77.0.3' } });
    expect(config.dispatchers[0]).toMatchObject({ host: '10.77.0.1', hostName: 'a', metricsHost: '10.77.0.1' });
    expect(config.games.map((g) => [g.hostName, g.metricsHost])).toEqual([['b', '10.77.0.2'], ['c', '10.77.0.3']]);
    expect(config.gates.map((g) => [g.hostName, g.host])).toEqual([['b', '10.77.0.2'], ['c', '10.77.0.3']]);
  });

  it('lets the same port be used on two hosts, and a metricsHost still wins', () => {
    const raw = threeHosts();
    raw.metricsHost = '0.0.0.0';
    const config = validateConfig(raw, { baseDir: dir });
    expect(config.games.map((g) => g.metricsHost)).toEqual(['0.0.0.0', '0.0.0.0']);
    const clash = threeHosts();
    (clash.gates as { host: string }[])[1]!.host = 'b';
    expect(problemsOf(clash)).toEqual(['gates[1].port: port 14001 is already used by gates[0].port']);
  });

  it('refuses an unknown host name and an entry without a host, listing the hosts', () => {
    const raw = threeHosts();
    (raw.games as { host?: string }[])[1]!.host = 'd';
    delete (raw.gates as { host?: string }[])[0]!.host;
    expect(problemsOf(raw)).toEqual([
      "games[1].host: unknown host 'd' (hosts: a, b, c)",
      'gates[0].host: required with a hosts section: name the host it runs on (hosts: a, b, c)',
    ]);
  });

  it('refuses bad host names and addresses, and a game host without a hosts section', () => {
    const raw = threeHosts();
    raw.hosts = { '1st': { address: '10.0.0.1' }, b: { address: 'not an address' }, c: { adress: '10.0.0.3' } };
    expect(problemsOf(raw)).toEqual(
      expect.arrayContaining([
        'hosts.1st: expected the key to be a host name (a letter, then letters, digits or _)',
        'hosts.b.address: expected a host name or IP address, got "not an address"',
        "unknown key 'hosts.c.adress' — did you mean 'address'?",
      ]),
    );
    const flat = { ...threeHosts(), hosts: undefined, dispatchers: [{ id: 1, port: 13001 }], gates: [], cluster: undefined };
    expect(problemsOf(flat)).toEqual([
      "games[0].host: 'b' names a host, but the config has no hosts section",
      "games[1].host: 'c' names a host, but the config has no hosts section",
    ]);
  });

  it('refuses LMDB with games on several hosts, and allows it with every game on one', () => {
    const raw = { ...threeHosts(), storage: { kind: 'lmdb', path: './data' } };
    expect(problemsOf(raw)).toEqual([
      "storage and kv: LMDB is one directory on one machine's disk, but the games run on several hosts: b (game 1), c (game 2). " +
        'Use storage (and kv) of kind redis, or put every game on one host',
    ]);
    const redisKv = { ...raw, kv: { kind: 'redis', url: 'redis://10.77.0.1:6379' } };
    expect(problemsOf(redisKv)[0]).toMatch(/^storage: LMDB is one directory/);
    // Games together on b, gates spread out: one disk holds the data.
    const oneHost = { ...raw, games: [{ id: 1, host: 'b' }, { id: 2, host: 'b' }] };
    expect(validateConfig(oneHost, { baseDir: dir }).games.map((g) => g.hostName)).toEqual(['b', 'b']);
  });

  it('refuses a dispatcher on a loopback host that other hosts must reach, and off loopback without a secret', () => {
    const raw = threeHosts();
    (raw.hosts as Record<string, { address: string }>).a = { address: '127.0.0.1' };
    expect(problemsOf(raw)).toEqual([
      "dispatchers[0].host: host 'a' has the loopback address 127.0.0.1, which processes on b, c cannot reach: give hosts.a.address an address the other hosts reach",
    ]);
    const open = { ...threeHosts(), cluster: undefined };
    expect(problemsOf(open)[0]).toMatch(/^dispatchers\[0\]\.host: 10\.77\.0\.1 is not a loopback address/);
  });

  it('takes a host address from TSWORLD_HOST_<name>_ADDRESS and names the variable in a problem', () => {
    const config = validateConfig(threeHosts(), { baseDir: dir, env: { TSWORLD_HOST_a_ADDRESS: '192.168.1.10' } });
    expect(config.dispatchers[0]!.host).toBe('192.168.1.10');
    expect(problemsOf(threeHosts(), { TSWORLD_HOST_a_ADDRESS: 'no way' })).toEqual([
      'TSWORLD_HOST_a_ADDRESS (hosts.a.address): expected a host name or IP address, got "no way"',
    ]);
    expect(problemsOf(threeHosts(), { TSWORLD_HOST_z_ADDRESS: '10.0.0.9' })).toEqual(['TSWORLD_HOST_z_ADDRESS: the config has no host \'z\' (hosts: a, b, c)']);
  });
});
