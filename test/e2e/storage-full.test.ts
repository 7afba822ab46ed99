import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLmdbEntityStorage } from '../../src/storage/index.ts';
import { clientPool, type TestClient } from '../support/clients.ts';
import { startDeployment, type TestDeployment } from '../support/deployment.ts';

/**
 * A full disk under a running deployment (issue 15, issue 12's storage faults): LMDB on a 4 MiB tmpfs
 * that this file mounts, 2 games, 40 players whose saves grow until the disk is full. Every game keeps
 * ticking and answering, the failures show in metrics and logs, and once the tmpfs is remounted bigger
 * every save lands: nothing is lost.
 */
const entry = join(import.meta.dirname, '..', 'fixtures', 'saver-game.ts');
const PLAYERS = 40;

function mount(dir: string, options: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
}
function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    // Not mounted (any more).
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Mounting needs root (or CAP_SYS_ADMIN); where it is not allowed the tests skip, saying so. */
function mountRefusal(): string | undefined {
  const probe = mkdtempSync(join(tmpdir(), 'tsworld-tmpfs-probe-'));
  try {
    mount(probe, 'size=1m');
    return undefined;
  } catch (err) {
    const reason = `mounting a tmpfs is not permitted here (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`;
    console.warn(`skipping the full-disk tests: ${reason}`);
    return reason;
  } finally {
    unmount(probe);
  }
}

const refusal = mountRefusal();

async function scrape(d: TestDeployment, name: string): Promise<number[]> {
  return Promise.all(
    d.config.games.map(async (g) => {
      const text = await (await fetch(`http://127.0.0.1:${g.metricsPort}/metrics`)).text();
      return text
        .split('\n')
        .filter((l) => l.startsWith(name))
        .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    }),
  );
}
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe.skipIf(refusal !== undefined)(`a full disk under a running deployment${refusal ? ` (skipped: ${refusal})` : ''}`, () => {
  const mounts: string[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    for (const m of mounts) unmount(m);
  });

  it('keeps every game running, reports the failed saves, and loses nothing once space is freed', async () => {
    const disk = mkdtempSync(join(tmpdir(), 'tsworld-tmpfs-'));
    mounts.push(disk);
    mount(disk, 'size=4m');
    const data = join(disk, 'data');
    const d = await startDeployment({ entry, games: 2, gates: 1, metrics: true, sections: { storage: { kind: 'lmdb', path: data, minFreeBytes: 256 * 1024 } } });
    cleanups.push(() => d.stop());
    const pool = clientPool(() => d.wsUrls);
    cleanups.push(() => pool.closeAll());
    const clients: TestClient[] = [];
    for (let i = 0; i < PLAYERS; i++) clients.push(await pool.connect(0));
    const players = await Promise.all(clients.map((c) => c.waitForPlayer()));

    // Rounds of saves, each bigger, until the disk refuses them; then three more while it is full.
    let round = 0;
    let fullAt = 0;
    while (round < 60 && (fullAt === 0 || round < fullAt + 3)) {
      round++;
      const r = round;
      clients.forEach((c, i) => c.call(players[i]!.id, 'bump', r, Math.min(r * 8 * 1024, 256 * 1024)));
      await Promise.all(clients.map((c) => c.waitCall('onBump', ([seq]) => seq === r)));
      if (fullAt === 0 && sum(await scrape(d, 'tsworld_storage_failures_total')) > 0) fullAt = round;
    }
    expect(fullAt, 'the disk never filled up').toBeGreaterThan(0);
    const stats = statfsSync(disk);
    const freeKiB = Math.floor((stats.bavail * stats.bsize) / 1024);
    // Registrations while the disk is full: the players are made, their first saves wait.
    const late: TestClient[] = [];
    for (let i = 0; i < 10; i++) late.push(await pool.connect(0));
    const latePlayers = await Promise.all(late.map((c) => c.waitForPlayer()));
    const failures = sum(await scrape(d, 'tsworld_storage_failures_total'));
    const pendingWhileFull = sum(await scrape(d, 'tsworld_storage_pending_writes'));
    expect(pendingWhileFull).toBeGreaterThan(0);
    const status = await d.status();
    expect(status.processes.filter((p) => p.role === 'game').map((p) => p.alive)).toEqual([true, true]);

    // Free space: the retries land.
    execFileSync('mount', ['-o', 'remount,size=64m', disk]);
    const freedAt = Date.now();
    await Promise.all(clients.map((c) => c.waitCall('onSaved', ([seq]) => seq === round, 60_000)));
    for (;;) {
      if (sum(await scrape(d, 'tsworld_storage_pending_writes')) === 0) break;
      if (Date.now() - freedAt > 60_000) throw new Error('saves still pending a minute after the disk was freed');
      await new Promise((r) => setTimeout(r, 200));
    }
    const recoverMs = Date.now() - freedAt;
    const outcomes = clients.map((c) => c.calls.filter((x) => x.method === 'onSaved').map((x) => x.args[1]));
    for (const o of outcomes) expect(new Set(o)).toEqual(new Set(['ok']));

    // Nothing lost: every player's last state is on disk.
    const storage = createLmdbEntityStorage({ path: data, minFreeBytes: 0 });
    try {
      for (const p of players) {
        const saved = await storage.load('Player', p.id);
        expect(saved?.['score']).toBe(round);
        expect(String(saved?.['blob']).startsWith(`${round}:`)).toBe(true);
      }
      for (const p of latePlayers) expect(await storage.exists('Player', p.id)).toBe(true);
    } finally {
      await storage.close();
    }

    // The logs said so, in structured lines, at a bounded rate.
    const lines = d.config.games.flatMap((g) =>
      readFileSync(join(d.dir, 'logs', `game${g.id}.log`), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg?: string; err?: { message?: string }; level?: number | string }),
    );
    const failed = lines.filter((l) => l.msg === 'storage write failed; retrying');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.some((l) => /ENOSPC/.test(l.err?.message ?? ''))).toBe(true);
    expect(lines.some((l) => l.msg === 'storage write landed after retries')).toBe(true);
    expect(lines.filter((l) => l.level === 'fatal' || l.level === 60)).toEqual([]);
    const after = await d.status();
    expect(after.processes.every((p) => p.alive)).toBe(true);
    console.log(
      `full tmpfs: ${PLAYERS} players, ${round} save rounds (disk full from round ${fullAt}, ${freeKiB} KiB of 4 MiB free then), ` +
        `10 registrations while full; ${failures} failed write attempts counted, ` +
        `${pendingWhileFull} writes pending while full, ${failed.length} 'write failed' log lines; games answered all ${(round - fullAt) * PLAYERS} calls made while full; ` +
        `all saves landed ${recoverMs} ms after the remount, nothing lost`,
    );
  });

  it('a start on read-only storage is refused with the OS reason', async () => {
    const disk = mkdtempSync(join(tmpdir(), 'tsworld-tmpfs-ro-'));
    mounts.push(disk);
    mount(disk, 'size=1m,ro');
    const err = await startDeployment({ entry, games: 1, gates: 1, sections: { storage: { kind: 'lmdb', path: join(disk, 'data') } } }).then(
      (d) => {
        cleanups.push(() => d.stop());
        return undefined;
      },
      (e: unknown) => e as Error & { stderr?: string; stdout?: string },
    );
    expect(err, 'the deployment started on read-only storage').toBeDefined();
    const text = `${err!.message}\n${err!.stderr ?? ''}\n${err!.stdout ?? ''}`;
    expect(text).toMatch(/EROFS/);
    console.log(`read-only storage at start: ${text.split('\n').find((l) => /EROFS/.test(l))?.trim()}`);
    expect(existsSync(join(disk, 'data'))).toBe(false);
  });
});
