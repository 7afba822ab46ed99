import { spawn } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCounterGame } from '../fixtures/counter-game.ts';
import { testClient } from '../support/clients.ts';
import { repoRoot, startDeployment, tsworld, type TestDeployment } from '../support/deployment.ts';
import { isRunning } from '../support/processes.ts';


describe('dev mode: tsworld start --foreground --watch', () => {
  let d: TestDeployment | undefined;
  let gameDir: string | undefined;
  afterAll(async () => {
    await d?.stop();
    if (gameDir) rmSync(gameDir, { recursive: true, force: true });
  });

  it('hot swaps the game code in place when a file changes, keeping the client connected', async () => {
    gameDir = mkdtempSync(join(tmpdir(), 'tsworld-watch-'));
    const entry = writeCounterGame(gameDir, { tag: 'before' });
    // Write the deployment, then run it in the foreground ourselves.
    d = await startDeployment({ entry, games: 1, gates: 1 });
    await d.cli('stop', d.dir);
    const child = spawn(process.execPath, [join(repoRoot, 'src', 'cli', 'bin.mjs'), 'start', d.dir, '--foreground', '--watch'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let successorPid = 0;
    // Waits for `re` in the output printed from offset `from` on.
    const waitOut = (re: RegExp, from = 0) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${re} in:\n${out}`)), 60_000);
        const check = () => {
          if (re.test(out.slice(from))) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', (c: Buffer) => ((out += c.toString()), check()));
        child.stderr.on('data', (c: Buffer) => ((out += c.toString()), check()));
        check();
      });
    try {
      await waitOut(/press Ctrl-C to stop/);
      expect(out).toMatch(/watching .* for changes/);
      const url = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)![1].replace(/^http/, 'ws') + 'ws';
      const client = await testClient(url);
      const me = await client.waitForPlayer();
      client.call(me.id, 'bump', 1);
      expect((await client.waitCall('onBump', (a) => a[0] === 1)).args[3]).toBe('before');

      writeCounterGame(gameDir, { tag: 'after' });
      await waitOut(/game1: new code running in place/);
      client.call(me.id, 'bump', 2);
      expect((await client.waitCall('onBump', (a) => a[0] === 2)).args).toEqual([2, 2, 2, 'after']);
      expect(client.connected).toBe(true);

      // Saves as many editors make them: a new file renamed over the old one. Node 20's recursive
      // fs.watch lost the file after the first such save; each one must reload.
      for (const [i, tag] of [[1, 'renamed-1'], [2, 'renamed-2']] as const) {
        // Written beside the game directory (same file system), so only the rename happens inside it.
        const draft = mkdtempSync(join(tmpdir(), 'tsworld-draft-'));
        writeCounterGame(draft, { tag });
        const mark = out.length;
        renameSync(join(draft, 'main.ts'), entry);
        rmSync(draft, { recursive: true, force: true });
        await waitOut(/game1: new code running in place/, mark);
        const seq = 10 + i;
        client.call(me.id, 'bump', seq);
        expect((await client.waitCall('onBump', (a) => a[0] === seq)).args[3]).toBe(tag);
      }

      // A process swap from another terminal while the foreground CLI runs (code unchanged, so the
      // watcher stays quiet): the CLI notes the freeze and keeps going; Ctrl-C later stops the successor.
      const { stdout } = await tsworld('reload', d.dir);
      expect(stdout).toMatch(/game1: restored by pid \d+/);
      await waitOut(/game1 froze for a hot swap/);
      client.call(me.id, 'bump', 3);
      expect((await client.waitCall('onBump', (a) => a[0] === 3)).args).toEqual([3, 5, 5, 'renamed-2']);
      successorPid = (await d.status()).processes.find((p) => p.role === 'game')!.pid;
      client.close();
    } finally {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    expect(out).toMatch(/all processes stopped/);
    expect(successorPid).toBeGreaterThan(0);
    expect(isRunning(successorPid)).toBe(false);
  });
});
