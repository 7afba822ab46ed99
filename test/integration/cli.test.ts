import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot, startDeployment, tsworld, type TestDeployment } from '../support/deployment.ts';
import { isRunning } from '../support/processes.ts';

const entry = join(repoRoot, 'examples', 'chatroom', 'game', 'main.ts');


describe('tsworld CLI', () => {
  let d: TestDeployment | undefined;
  afterEach(async () => {
    await d?.stop();
    d = undefined;
  });

  it('stop leaves no process behind', async () => {
    d = await startDeployment({ entry, games: 2, gates: 2 });
    const pids = (await d.status()).processes.map((p) => p.pid);
    expect(pids).toHaveLength(5);
    expect(pids.every(isRunning)).toBe(true);
    const { stdout } = await d.cli('stop', d.dir);
    expect(stdout).toMatch(/stopped gate1.*\n(.*\n)*.*stopped dispatcher1/);
    expect(pids.filter(isRunning)).toEqual([]);
    expect((await d.status()).processes).toEqual([]);
  });

  it('kill force-kills every process', async () => {
    d = await startDeployment({ entry, games: 1, gates: 1 });
    const pids = (await d.status()).processes.map((p) => p.pid);
    await d.cli('kill', d.dir);
    expect(pids.filter(isRunning)).toEqual([]);
  });

  it('runs in the foreground and Ctrl-C stops every process', async () => {
    d = await startDeployment({ entry, games: 1, gates: 1 });
    await d.cli('stop', d.dir);
    const child = spawn(process.execPath, [join(repoRoot, 'src', 'cli', 'bin.mjs'), 'start', d.dir, '--foreground'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no prompt; output:\n${out}`)), 60_000);
      child.stdout.on('data', () => {
        if (out.includes('press Ctrl-C to stop')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(out).toMatch(/open http:\/\/127\.0\.0\.1:\d+\//);
    expect(out).toMatch(/\[gate1\] .*gate serving clients/);
    const pids = (await d.status()).processes.map((p) => p.pid);
    expect(pids).toHaveLength(3);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(out).toMatch(/all processes stopped/);
    expect(pids.filter(isRunning)).toEqual([]);
  });

  it('refuses a config with a typo, naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsworld-cli-'));
    try {
      const config = JSON.parse(readFileSync(join(repoRoot, 'examples', 'chatroom', 'tsworld.config.json'), 'utf8'));
      config.entry = entry;
      config.gates[0].prot = 1;
      writeFileSync(join(dir, 'tsworld.config.json'), JSON.stringify(config));
      const err = await tsworld('start', dir).catch((e: { stderr: string; code: number }) => e);
      expect((err as { code: number }).code).toBe(1);
      expect((err as { stderr: string }).stderr).toMatch(/gates\[0\]\.prot.*did you mean 'port'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
