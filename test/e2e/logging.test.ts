import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { BOT_SWARM_ADMISSION, repoRoot, startDeployment, tsworld, type TestDeployment } from '../support/deployment.ts';
import { isRunning } from '../support/processes.ts';

const entry = join(repoRoot, 'examples', 'chatroom', 'game', 'main.ts');

/** Every line of a log file as JSON; a line that is not JSON fails the test, naming it. */
function jsonLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((line) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`${file} has a line that is not JSON: ${line}`);
    }
  });
}

/**
 * Role processes write their own log files, JSON lines only, in the foreground too; a start that fails
 * leaves its reason as a JSON line there; files rotate at logging.maxFileBytes (real processes, the CLI).
 */
describe('process logs', () => {
  let d: TestDeployment | undefined;
  let blocker: Server | undefined;
  afterEach(async () => {
    blocker?.close();
    blocker = undefined;
    await d?.stop();
    d = undefined;
  });

  it('in the foreground (npm start) every role writes JSON lines to logs/<role><id>.log', async () => {
    d = await startDeployment({ entry, games: 1, gates: 1 });
    await d.cli('stop', d.dir);
    const logs = join(d.dir, 'logs');
    const child = spawn(process.execPath, [join(repoRoot, 'src', 'cli', 'bin.mjs'), 'start', d.dir, '--foreground'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no prompt; output:\n${out}`)), 60_000);
      const onData = (c: Buffer) => {
        out += c.toString();
        if (out.includes('press Ctrl-C to stop')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
    });
    await ready;
    const pids = (await d.status()).processes.map((p) => p.pid);
    child.kill('SIGINT');
    expect(await new Promise<number | null>((resolve) => child.once('exit', resolve))).toBe(0);
    expect(pids.filter(isRunning)).toEqual([]);
    // Readable on the terminal (a pipe here: no colours), JSON in the files.
    expect(out).toMatch(/\[gate1\] +\S+ INFO: gate#1 gate serving clients/);
    expect(out).not.toMatch(/\x1b\[/);
    for (const name of ['dispatcher1.log', 'game1.log', 'gate1.log']) {
      const lines = jsonLines(join(logs, name));
      expect(lines.length, name).toBeGreaterThan(0);
      expect(lines.every((l) => typeof l['level'] === 'number' && typeof l['msg'] === 'string'), name).toBe(true);
    }
    expect(jsonLines(join(logs, 'gate1.log')).some((l) => l['msg'] === 'gate serving clients' && l['role'] === 'gate')).toBe(true);
  });

  it('a role that cannot start leaves its reason as a JSON line (level 60) in its log, and nothing that is not JSON', async () => {
    d = await startDeployment({ entry, games: 1, gates: 1 });
    await d.cli('stop', d.dir);
    const config = JSON.parse(readFileSync(join(d.dir, 'tsworld.config.json'), 'utf8')) as { gates: { port: number }[] };
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(config.gates[0]!.port, '127.0.0.1', resolve));
    const err = await tsworld('start', d.dir).then(() => null, (e: { stderr: string }) => e);
    expect(err?.stderr).toMatch(/gate1 failed to start/);
    const lines = jsonLines(join(d.dir, 'logs', 'gate1.log'));
    const fatal = lines.filter((l) => l['level'] === 60);
    expect(fatal.length).toBeGreaterThan(0);
    expect(JSON.stringify(fatal[fatal.length - 1])).toMatch(/EADDRINUSE|in use|listen/i);
  });

  it('rotates at logging.maxFileBytes and keeps logging.maxFiles rotated files', async () => {
    d = await startDeployment({ entry, games: 1, gates: 1, gateDefaults: BOT_SWARM_ADMISSION, sections: { logging: { level: 'debug', dir: 'logs', maxFileBytes: 4096, maxFiles: 2 } } });
    // Each connection is a debug line at the gate; 60 of them are several times 4 KiB.
    for (let i = 0; i < 60; i++) {
      const ws = new WebSocket(d.wsUrls[0]!);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      ws.close();
    }
    const logs = join(d.dir, 'logs');
    const deadline = Date.now() + 30_000;
    while (!existsSync(join(logs, 'gate1.log.2')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const gateFiles = readdirSync(logs).filter((f) => f.startsWith('gate1.log')).sort();
    expect(gateFiles).toEqual(['gate1.log', 'gate1.log.1', 'gate1.log.2']);
    for (const f of gateFiles) {
      jsonLines(join(logs, f));
      expect(readFileSync(join(logs, f)).length).toBeLessThan(4096 + 4096);
    }
  });
});
