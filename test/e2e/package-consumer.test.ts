import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../support/deployment.ts';
import { isRunning } from '../support/processes.ts';

const repoRoot = join(import.meta.dirname, '..', '..');
const fixtures = join(repoRoot, 'test', 'fixtures', 'package-consumer');

interface Run {
  code: number;
  out: string;
}

/** Runs a command to completion; the exit code and the merged output, never a throw. */
// A consumer runs plain Node: none of the repository's test flags (the source condition) leak in.
const env = { ...process.env, NODE_OPTIONS: '', TSWORLD_NO_NATIVE: '1', npm_config_update_notifier: 'false' };
// tsworld start refuses TSWORLD_ variables it does not know (TSWORLD_NO_NATIVE is the install's).
const { TSWORLD_NO_NATIVE: _install, ...startEnv } = env;

function run(cmd: string, args: string[], cwd: string, timeoutMs = 240_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

function ok(r: Run, what: string): Run {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.out.slice(-4000)}`);
  return r;
}

/**
 * The package as a user gets it: `npm pack` (which builds dist/), installed from the tarball into a
 * fresh project, imported by plain Node and type-checked under the tsconfig `tsc --init` writes.
 */
describe('the packed tsworld in a consumer project', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsworld-consumer-'));
  const project = join(dir, 'project');
  const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
  let tarballPath = '';
  let started: ChildProcess | undefined;

  beforeAll(async () => {
    ok(await run('npm', ['pack', '--pack-destination', dir], repoRoot), 'npm pack');
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (tarball === undefined) throw new Error(`npm pack left no tarball in ${dir}`);
    tarballPath = join(dir, tarball);
    mkdirSync(join(project, 'src'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
    const install = ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tarball), 'typescript@5.9.3'];
    ok(await run('npm', install, project), 'npm install');
    ok(await run(process.execPath, [tsc, '--init'], project), 'tsc --init');
    for (const f of ['game.ts', 'client.ts', 'test-cluster.ts']) copyFileSync(join(fixtures, f), join(project, 'src', f));
  }, 300_000);

  afterAll(async () => {
    // What a failed test left running: npm start's group, and roles (each in a group of its own).
    if (started?.pid !== undefined && started.exitCode === null && started.signalCode === null) {
      const exited = new Promise((resolve) => started?.once('exit', resolve));
      process.kill(-started.pid, 'SIGKILL');
      await exited;
    }
    for (const pid of rolePids(dir)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports with plain node, every subpath', async () => {
    const script = `for (const p of ['tsworld', 'tsworld/client', 'tsworld/aoi', 'tsworld/bots', 'tsworld/testing']) {
      const m = await import(p); console.log(p, Object.keys(m).length);
    }
    const { defineEntityType } = await import('tsworld'); console.log(typeof defineEntityType);`;
    const r = ok(await run(process.execPath, ['--input-type=module', '-e', script], project), 'node -e import');
    expect(r.out).toMatch(/^tsworld \d+$/m);
    expect(r.out).toMatch(/^tsworld\/testing \d+$/m);
    expect(r.out).toContain('function');
  });

  it('type-checks a game and its client under a default strict tsconfig with no errors', async () => {
    const r = await run(process.execPath, [tsc, '--noEmit', '-p', '.'], project);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('refuses a consumer file that calls a misspelt client method, or passes a wrong argument', async () => {
    const bad = join(project, 'src', 'bad-client.ts');
    writeFileSync(bad, [
      "import { connectClient } from 'tsworld/client';",
      "import type game from './game.js';",
      "import type { Player } from './game.js';",
      'export async function f(url: string): Promise<void> {',
      '  const client = await connectClient<typeof game>({ url });',
      "  const me = client.entity<typeof Player>('id');",
      "  me.call.ecoh(1, 'hi');",
      "  me.call.echo('1', 'hi');",
      '}',
      '',
    ].join('\n'));
    try {
      const r = await run(process.execPath, [tsc, '--noEmit', '-p', '.'], project);
      expect(r.code).not.toBe(0);
      expect(r.out).toMatch(/bad-client\.ts\(7,.*Property 'ecoh' does not exist/);
      expect(r.out).toMatch(/bad-client\.ts\(8,.*'string' is not assignable to parameter of type 'number'/);
    } finally {
      rmSync(bad);
    }
  });

  it('runs a game on the compiled engine: compiled by tsc, run by plain node in one process', async () => {
    ok(await run(process.execPath, [tsc, '-p', '.', '--outDir', 'build', '--declaration', 'false', '--declarationMap', 'false'], project), 'tsc');
    writeFileSync(join(project, 'run.mjs'), "import { echoInProcess } from './build/test-cluster.js';\nconsole.log(JSON.stringify(await echoInProcess()));\n");
    const r = ok(await run(process.execPath, ['run.mjs'], project, 60_000), 'node run.mjs');
    expect(r.out.trim().split('\n').at(-1)).toBe('[7,"X"]');
  });

  it('tsworld init makes a project whose npm test passes and whose npm start serves its page', async () => {
    const scaffold = join(dir, 'my-game');
    const init = ok(await run('npx', ['--no-install', 'tsworld', 'init', scaffold], project), 'tsworld init');
    expect(init.out).toContain('npm start');
    const configFile = join(scaffold, 'tsworld.config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as { dispatchers: { port: number }[]; gates: { port: number }[] };
    [config.dispatchers[0].port, config.gates[0].port] = await freePorts(2);
    writeFileSync(configFile, JSON.stringify(config));
    ok(await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarballPath], scaffold), 'npm install in the scaffold');
    const test = ok(await run('npm', ['test'], scaffold), 'npm test in the scaffold');
    expect(test.out).toMatch(/1 passed/);

    started = spawn('npm', ['start'], { cwd: scaffold, env: startEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const page = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const url = /open (http:\/\/\S+)/.exec(output)?.[1];
        if (url) resolve(url);
      };
      started!.stdout!.on('data', onData);
      started!.stderr!.on('data', onData);
      started!.once('exit', (code) => reject(new Error(`npm start exited ${code}:\n${output}`)));
    });
    const html = await (await fetch(page)).text();
    expect(html).toContain('my tsworld game');
    expect((await fetch(new URL('tsworld-client.js', page))).status).toBe(200);

    // The roles run the compiled engine on plain node (no tsx flag); the game's .ts entry went through tsx's API.
    const game = rolePids(dir).map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
    expect(game.some((argv) => argv.some((a) => a.endsWith(join('tsworld', 'dist', 'roles', 'game', 'main.js'))))).toBe(true);
    expect(game.flat()).not.toContain('--import');

    // A client from the consumer project, on plain node: the page's echo round trip.
    const ws = page.replace(/^http/, 'ws') + 'ws';
    const script = `import { connectClient } from 'tsworld/client'; import { WebSocket } from 'ws';
      const client = await connectClient({ url: ${JSON.stringify(ws)}, WebSocket });
      const p = await client.waitForPlayer();
      client.on('call', 'onEcho', (text, n) => { console.log(JSON.stringify([text, n])); client.close(); });
      client.entity(p.id).call.echo('hi');`;
    const echo = ok(await run(process.execPath, ['--input-type=module', '-e', script], project, 30_000), 'client');
    expect(echo.out.trim()).toBe('["hi",1]');

    process.kill(-started.pid!, 'SIGINT');
    await new Promise((resolve) => started!.once('exit', resolve));
    const deadline = Date.now() + 20_000;
    while (rolePids(dir).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(rolePids(dir)).toEqual([]);
  });

  it('tsworld init --template mmo copies the example, which type-checks in its new project', async () => {
    const scaffold = join(dir, 'my-mmo');
    ok(await run('npx', ['--no-install', 'tsworld', 'init', scaffold, '--template', 'mmo'], project), 'tsworld init --template mmo');
    expect(readdirSync(join(scaffold, 'game'))).toContain('player.ts');
    expect(readdirSync(scaffold)).not.toContain('copy-game.ts');
    ok(await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarballPath], scaffold), 'npm install in the mmo scaffold');
    ok(await run('npm', ['test'], scaffold), 'npm test (tsc --noEmit) in the mmo scaffold');
  });
});

/** Role processes (any deployment) running from an installed tsworld under `root`. */
function rolePids(root: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.startsWith(root) && /[/\\]dist[/\\](roles|cli[/\\]supervisor)[/\\]/.test(a)) && isRunning(Number(entry))) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}
