import { execFile } from 'node:child_process';
import { randomBytes, scryptSync } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createPasswordPool, type PasswordPool, type PoolResult } from '../../../examples/chatroom/game/password-pool.ts';
import { repoRoot } from '../../support/deployment.ts';

const crashingWorker = new URL('./fixtures/crashing-hash-worker.mjs', import.meta.url);
const pools: PasswordPool[] = [];

function pool(options: Parameters<typeof createPasswordPool>[0]): PasswordPool {
  const p = createPasswordPool(options);
  pools.push(p);
  return p;
}

/** Submits through `submit` and resolves with the result; fails the test if the job is refused. */
function run<T>(submit: (done: (r: PoolResult<T>) => void) => boolean): Promise<PoolResult<T>> {
  return new Promise((resolve, reject) => {
    if (!submit(resolve)) reject(new Error('refused'));
  });
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('chatroom password pool (real worker threads)', () => {
  it('hashes to salt$key and checks right, wrong and damaged passwords', async () => {
    const p = pool({ workers: 2, maxQueue: 4 });
    const hashed = await run<string>((done) => p.hash('correct horse', done));
    expect(hashed.ok).toBe(true);
    const record = (hashed as { value: string }).value;
    expect(record).toMatch(/^[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(await run<boolean>((done) => p.check('correct horse', record, done))).toEqual({ ok: true, value: true });
    expect(await run<boolean>((done) => p.check('wrong horse', record, done))).toEqual({ ok: true, value: false });
    for (const damaged of ['', 'no-dollar', `${record.split('$')[0]}$c2hvcnQ=`]) {
      expect(await run<boolean>((done) => p.check('correct horse', damaged, done))).toEqual({ ok: true, value: false });
    }
  });

  it('still accepts records in the format password.ts wrote before the pool', async () => {
    const salt = randomBytes(16).toString('base64');
    const old = `${salt}$${scryptSync('old secret', salt, 32).toString('base64')}`;
    const p = pool({ workers: 1, maxQueue: 1 });
    expect(await run<boolean>((done) => p.check('old secret', old, done))).toEqual({ ok: true, value: true });
  });

  it('refuses at once past workers + maxQueue, and runs everything it accepted', async () => {
    const p = pool({ workers: 1, maxQueue: 2 });
    const accepted = [0, 1, 2].map(() => {
      let answer!: (r: PoolResult<string>) => void;
      const result = new Promise<PoolResult<string>>((r) => (answer = r));
      expect(p.hash('pw', answer)).toBe(true);
      return result;
    });
    expect(p.stats()).toEqual({ workers: 1, running: 1, queued: 2 });
    let called = false;
    expect(p.hash('one too many', () => (called = true))).toBe(false);
    expect(p.check('one too many', 'x$y', () => (called = true))).toBe(false);
    const results = await Promise.all(accepted);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(called).toBe(false);
    // The queue drained: there is room again.
    expect((await run<string>((done) => p.hash('pw', done))).ok).toBe(true);
  });

  it('fails the job of a worker that throws or exits, and replaces the worker', async () => {
    const p = pool({ workers: 1, maxQueue: 4, workerUrl: crashingWorker });
    const crashed = run<string>((done) => p.hash('crash', done));
    const exited = run<string>((done) => p.hash('exit', done));
    const after = run<string>((done) => p.hash('fine', done));
    expect(await crashed).toMatchObject({ ok: false, code: 'WORKER_FAILED', message: expect.stringContaining('worker bug') });
    expect(await exited).toMatchObject({ ok: false, code: 'WORKER_FAILED', message: expect.stringContaining('code 3') });
    expect(await after).toMatchObject({ ok: true });
    expect(p.stats()).toEqual({ workers: 1, running: 0, queued: 0 });
  });

  it('terminates a worker that never answers, fails its job and carries on', async () => {
    // Generous against a loaded machine: the job after the hung one must finish within it too.
    const p = pool({ workers: 1, maxQueue: 1, workerUrl: crashingWorker, jobTimeoutMs: 2_000 });
    const hung = run<string>((done) => p.hash('hang', done));
    const after = run<string>((done) => p.hash('fine', done));
    expect(await hung).toMatchObject({ ok: false, code: 'WORKER_FAILED', message: expect.stringContaining('no answer') });
    expect(await after).toMatchObject({ ok: true });
  });

  it('a worker script that cannot load fails each job, without a restart loop', async () => {
    const p = pool({ workers: 2, maxQueue: 1, workerUrl: new URL('./fixtures/no-such-worker.mjs', import.meta.url) });
    expect(await run<string>((done) => p.hash('pw', done))).toMatchObject({ ok: false, code: 'WORKER_FAILED' });
    expect(p.stats()).toEqual({ workers: 0, running: 0, queued: 0 });
  });

  it('close fails pending jobs, refuses new ones and leaves no worker handle', async () => {
    // A worker's port is a 'MessagePort' handle. Counted against a baseline: an earlier test's
    // terminated worker may still be releasing its own.
    const ports = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
    const baseline = ports();
    const p = createPasswordPool({ workers: 2, maxQueue: 2 });
    const pending = [0, 1, 2, 3].map(() => run<string>((done) => p.hash('pw', done)));
    expect(ports()).toBeGreaterThan(baseline);
    await p.close();
    for (const r of await Promise.all(pending)) expect(r).toMatchObject({ ok: false, code: 'CLOSED' });
    expect(p.hash('late', () => {})).toBe(false);
    expect(p.stats()).toEqual({ workers: 0, running: 0, queued: 0 });
    expect(ports()).toBeLessThanOrEqual(baseline);
  });

  it('an idle pool never keeps a process alive, under tsx as the game runs', async () => {
    // The game's own launch line (src/cli/spawn-role.ts): node --import tsx. The script never closes
    // the pool; the process must still exit once the hash is answered.
    const script = [
      `import { createPasswordPool } from ${JSON.stringify(join(repoRoot, 'examples/chatroom/game/password-pool.ts'))};`,
      `const p = createPasswordPool({ workers: 2, maxQueue: 1 });`,
      `p.hash('pw', (r) => console.log(r.ok ? 'hashed' : r.message));`,
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot,
      timeout: 30_000,
    });
    expect(stdout.trim()).toBe('hashed');
  });
});
