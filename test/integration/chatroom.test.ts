import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startDeployment, type TestDeployment } from '../support/deployment.ts';
import { clientPool } from '../support/clients.ts';
import { countsUsersOnlinePerRoom, deliversCrossGameRpcsInOrder, keepsTheAvatarAcrossLogout, registersLogsInChatsAndKeepsRoomsApart } from '../scenarios/chatroom.ts';

const entry = join(repoRoot, 'examples', 'chatroom', 'game', 'main.ts');

// With 2 dispatchers entities shard by id (GoWorld's rule) and every game and gate talks to both.
describe.each([1, 2])('chatroom on a real deployment (%i dispatcher(s), 2 games, 2 gates)', (DISPATCHERS) => {
  let d: TestDeployment;
  const pool = clientPool(() => d.wsUrls);
  const connect = pool.connect;

  beforeAll(async () => {
    d = await startDeployment({ entry, metrics: true, dispatchers: DISPATCHERS });
  });
  afterAll(async () => {
    pool.closeAll();
    if (d) {
      const dir = d.dir;
      await d.stop();
      // Nothing of the deployment may outlive stop.
      const { stdout } = await d.cli('status', dir, '--json');
      expect(JSON.parse(stdout).processes).toEqual([]);
    }
  });

  it('starts five live processes and reports them with status --json', async () => {
    const status = await d.status();
    const dispatchers = Array.from({ length: DISPATCHERS }, (_, i) => `dispatcher${i + 1}`);
    expect(status.processes.map((p) => `${p.role}${p.id}`).sort()).toEqual([...dispatchers, 'game1', 'game2', 'gate1', 'gate2']);
    expect(status.processes.every((p) => p.alive && p.pid > 0)).toBe(true);
    expect(status.processes.filter((p) => p.role === 'gate').every((p) => p.url?.startsWith('http://127.0.0.1:'))).toBe(true);
  });

  it('serves Prometheus metrics on every process', async () => {
    const game = await (await fetch(`http://127.0.0.1:${d.config.games[0].metricsPort}/metrics`)).text();
    expect(game).toMatch(/tsworld_tick_duration_seconds_count\{[^}]*role="game"[^}]*\} [1-9]/);
    expect(game).toMatch(/tsworld_entities\{/);
    const gate = await (await fetch(`http://127.0.0.1:${d.config.gates[0].metricsPort}/metrics`)).text();
    expect(gate).toMatch(/tsworld_clients\{[^}]*role="gate"/);
  });

  it('refuses a second start of a running deployment', async () => {
    await expect(d.cli('start', d.dir)).rejects.toThrow(/already running/);
  });

  it('registers, logs in, chats across gates, and keeps rooms apart', () => registersLogsInChatsAndKeepsRoomsApart(connect));
  it('delivers cross-game RPCs in the order they were sent', () => deliversCrossGameRpcsInOrder(connect));
  it('keeps the avatar across logout and login on another gate', () => keepsTheAvatarAcrossLogout(connect));
  it('counts the users online per room with its OnlineService', () => countsUsersOnlinePerRoom(connect));
});
