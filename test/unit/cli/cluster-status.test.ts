import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clusterRows, type DispatcherAnswer } from '../../../src/cli/cluster-status.ts';
import { validateConfig, type DeploymentConfig } from '../../../src/config/index.ts';
import type { ClusterView } from '../../../src/roles/dispatcher/cluster-view.ts';

let dir: string;
let config: DeploymentConfig;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsworld-cluster-status-'));
  mkdirSync(join(dir, 'game'));
  writeFileSync(join(dir, 'game', 'main.ts'), 'export {};\n');
  config = validateConfig(
    {
      deployment: 'chat',
      entry: './game/main.ts',
      hosts: { a: { address: '10.0.0.1' }, b: { address: '10.0.0.2' } },
      dispatchers: [{ id: 1, host: 'a', port: 13001, metricsPort: 9100 }, { id: 2, host: 'a', port: 13002, metricsPort: 9101 }],
      games: [{ id: 1, host: 'b' }],
      gates: [{ id: 1, host: 'b', port: 14001 }, { id: 2, host: 'b', port: 14002 }],
      storage: { kind: 'redis', url: 'redis://10.0.0.1:6379' },
      cluster: { secret: '0123456789abcdef0123456789abcdef' },
    },
    { baseDir: dir },
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const view = (dispatcher: number, games: number[], gates: number[]): ClusterView => ({
  dispatcher,
  run: 'ready',
  uptimeSec: 42,
  entities: 0,
  games: games.map((id) => ({ id, state: 'live', load: 0, overloaded: false, address: '10.0.0.2:40000' })),
  gates: gates.map((id) => ({ id, address: '10.0.0.2:40001' })),
});

describe('tsworld status across hosts', () => {
  it('calls a process alive when every dispatcher that answered links it, PARTIAL or DOWN otherwise', async () => {
    const answers: DispatcherAnswer[] = [
      { id: 1, url: 'http://10.0.0.1:9100/cluster', view: view(1, [1], [1]) },
      { id: 2, url: 'http://10.0.0.1:9101/cluster', view: view(2, [1], []) },
    ];
    const rows = await clusterRows(config, [], answers);
    expect(rows.map((r) => [`${r.role}${r.id}`, r.host, r.state, r.seenBy])).toEqual([
      ['dispatcher1', 'a', 'alive', [1]],
      ['dispatcher2', 'a', 'alive', [2]],
      ['game1', 'b', 'alive', [1, 2]],
      ['gate1', 'b', 'PARTIAL', [1]],
      ['gate2', 'b', 'DOWN', []],
    ]);
    expect(rows.find((r) => r.role === 'gate' && r.id === 1)!.note).toBe('not linked to dispatcher2');
    expect(rows[0]!.uptimeSec).toBe(42);
    expect(rows.find((r) => r.role === 'gate' && r.id === 2)!.url).toBe('http://10.0.0.2:14002/');
  });

  it('says UNKNOWN when no dispatcher could be asked, and DOWN for one that did not answer', async () => {
    const answers: DispatcherAnswer[] = [
      { id: 1, url: 'http://10.0.0.1:9100/cluster', error: 'ECONNREFUSED' },
      { id: 2, url: null, error: 'no metricsPort: it cannot be asked (give it one to see the cluster)' },
    ];
    const rows = await clusterRows(config, [], answers);
    expect(rows.map((r) => `${r.role}${r.id}:${r.state}`)).toEqual(['dispatcher1:DOWN', 'dispatcher2:UNKNOWN', 'game1:UNKNOWN', 'gate1:UNKNOWN', 'gate2:UNKNOWN']);
    expect(rows[0]!.note).toBe('ECONNREFUSED');
    expect(rows.every((r) => !r.alive)).toBe(true);
  });

  it('takes pid, restarts and uptime from a local run file, and DEAD when that pid is gone', async () => {
    const startedAt = new Date(Date.now() - 30_000).toISOString();
    const states = [
      {
        deployment: 'chat',
        configPath: join(dir, 'tsworld.config.json'),
        host: 'b',
        processes: [
          { role: 'game' as const, id: 1, pid: process.pid, logFile: 'game1.log', startedAt, restarts: 2 },
          // A pid that cannot be ours: the run file outlived its process.
          { role: 'gate' as const, id: 1, pid: 2 ** 22 + 1, logFile: 'gate1.log', startedAt },
        ],
      },
    ];
    const rows = await clusterRows(config, states, [{ id: 1, url: 'u', view: view(1, [1], [1]) }, { id: 2, url: 'u', view: view(2, [1], [1]) }]);
    const game = rows.find((r) => r.role === 'game')!;
    // This test process is not a tsworld game: isOurProcess reads /proc/<pid>/cmdline and says no.
    expect(game).toMatchObject({ pid: process.pid, state: 'DEAD', restarts: 2, alive: false });
    expect(rows.find((r) => r.role === 'gate' && r.id === 1)).toMatchObject({ state: 'DEAD', note: 'its pid is gone' });
  });
});
