import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts, repoRoot, tsworld } from '../support/deployment.ts';
import { isRunning } from '../support/processes.ts';

const entry = join(repoRoot, 'examples', 'chatroom', 'game', 'main.ts');

interface Row {
  role: string;
  id: number;
  host: string | null;
  pid: number | null;
  alive: boolean;
  state: string;
  seenBy: number[];
}

/**
 * `tsworld start --host` on one machine: three hosts on loopback addresses (one machine by definition,
 * which the config allows), each started by its own command with its own run file and supervisor.
 * test/e2e/multi-host.test.ts runs the same on three network namespaces where that is permitted.
 */
describe('a deployment with hosts, started host by host', () => {
  let dir: string;
  const status = async (...extra: string[]): Promise<{ code: number; rows: Row[]; body: Record<string, unknown> }> => {
    const result = await tsworld('status', dir, '--json', ...extra).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (err: { code?: number; stdout?: string }) => ({ code: err.code ?? -1, stdout: err.stdout ?? '' }),
    );
    const body = JSON.parse(result.stdout) as Record<string, unknown>;
    return { code: result.code, rows: body.processes as Row[], body };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsworld-hosts-'));
    const [dPort, dMetrics, gate1, gate2] = await freePorts(4);
    const config = {
      deployment: 'hosts',
      entry,
      hosts: { a: { address: '127.0.0.1' }, b: { address: '127.0.0.1' }, c: { address: '127.0.0.1' } },
      dispatchers: [{ id: 1, host: 'a', port: dPort, metricsPort: dMetrics }],
      games: [{ id: 1, host: 'b' }, { id: 2, host: 'b' }],
      gates: [{ id: 1, host: 'b', port: gate1 }, { id: 2, host: 'c', port: gate2 }],
      storage: { kind: 'lmdb', path: join(dir, 'data') },
      logging: { dir: join(dir, 'logs') },
    };
    writeFileSync(join(dir, 'tsworld.config.json'), JSON.stringify(config, null, 2));
  });
  afterAll(async () => {
    for (const host of ['c', 'b', 'a']) await tsworld('stop', dir, '--host', host).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a host the config does not name', async () => {
    await expect(tsworld('start', dir, '--host', 'd')).rejects.toMatchObject({ stderr: expect.stringContaining('--host d: unknown host; this config has a, b, c') });
  });

  it('starts a host before its dispatcher is up: it waits, says so, and goes on once it answers', async () => {
    // c has only a gate: it waits for the dispatcher on a, then for the whole deployment to join.
    const c = tsworld('start', dir, '--host', 'c', '--wait', '60');
    // Long enough for a progress line (every 5 s) while nothing listens.
    await new Promise((resolve) => setTimeout(resolve, 6500));
    const a = await tsworld('start', dir, '--host', 'a');
    expect(a.stdout).toMatch(/dispatcher ready: dispatcher1/);
    const b = await tsworld('start', dir, '--host', 'b');
    expect(b.stdout).toMatch(/waiting for dispatcher1 on host a[^\n]*\n\s+dispatcher1 on host a is up/);
    expect(b.stdout).toMatch(/games ready: game1 \(pid \d+\), game2/);
    const cOut = (await c).stdout;
    // Its metrics port is given (and on this machine): its /ready is what is polled.
    expect(cOut).toMatch(/waiting for dispatcher1 on host a \(http:\/\/127\.0\.0\.1:\d+\/ready\)/);
    expect(cOut).toMatch(/still waiting after \d+ s of 60: dispatcher1 on host a: ECONNREFUSED/);
    expect(cOut).toMatch(/gate ready: gate2/);
    expect(cOut).not.toMatch(/dispatcher ready|games? ready/);
    for (const host of ['a', 'b', 'c']) expect(existsSync(join(dir, '.tsworld', `run-${host}.json`)), host).toBe(true);
    expect(existsSync(join(dir, '.tsworld', 'run.json'))).toBe(false);
  });

  it('shows every host and process as the dispatcher sees it, and exits 0 while all are up', async () => {
    const { code, rows, body } = await status();
    expect(code).toBe(0);
    expect(rows.map((r) => `${r.role}${r.id}@${r.host}:${r.state}`)).toEqual([
      'dispatcher1@a:alive', 'game1@b:alive', 'game2@b:alive', 'gate1@b:alive', 'gate2@c:alive',
    ]);
    expect(rows.filter((r) => r.role !== 'dispatcher').every((r) => r.seenBy.includes(1))).toBe(true);
    expect((body.supervisors as { host: string; alive: boolean }[]).map((s) => `${s.host}:${s.alive}`).sort()).toEqual(['a:true', 'b:true', 'c:true']);
    // One host's view: its run file, and the rest from the dispatcher.
    const onlyC = await status('--host', 'c');
    expect(onlyC.rows.filter((r) => r.pid !== null).map((r) => `${r.role}${r.id}`)).toEqual(['gate2']);
    expect(onlyC.rows.every((r) => r.alive)).toBe(true);
  });

  it('sees a host go down (exit 1, its processes DOWN), and comes back with start --host', async () => {
    const before = (await status()).rows.find((r) => r.role === 'gate' && r.id === 2)!;
    await tsworld('kill', dir, '--host', 'c');
    expect(isRunning(before.pid!)).toBe(false);
    const down = await status();
    expect(down.code).toBe(1);
    expect(down.rows.find((r) => r.role === 'gate' && r.id === 2)).toMatchObject({ state: 'DOWN', alive: false, seenBy: [] });
    expect(down.rows.filter((r) => !(r.role === 'gate' && r.id === 2)).every((r) => r.alive)).toBe(true);

    const again = await tsworld('start', dir, '--host', 'c');
    expect(again.stdout).toMatch(/gate ready: gate2/);
    expect((await status()).code).toBe(0);
  });

  it('stops host by host, leaving the others running', async () => {
    const pids = (await status()).rows.map((r) => r.pid);
    // Without --host there is no run file to act on: it says which hosts were started here.
    const plain = await tsworld('stop', dir);
    expect(plain.stdout).toMatch(/nothing to stop in .* \(hosts started here with --host: a, b, c; stop each with --host NAME\)/);
    expect((await status()).code).toBe(0);
    await tsworld('stop', dir, '--host', 'b');
    const after = await status();
    expect(after.code).toBe(1);
    expect(after.rows.filter((r) => r.host === 'b').map((r) => r.state)).toEqual(['DOWN', 'DOWN', 'DOWN']);
    expect(after.rows.find((r) => r.role === 'dispatcher')!.alive).toBe(true);
    await tsworld('stop', dir, '--host', 'c');
    await tsworld('stop', dir, '--host', 'a');
    expect(pids.filter((p): p is number => p !== null).filter(isRunning)).toEqual([]);
    // Nothing answers any more: the dispatcher is DOWN, and of the rest nothing can be known.
    const gone = await status();
    expect(gone.code).toBe(1);
    expect(gone.rows.map((r) => r.state)).toEqual(['DOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN']);
  });
});
