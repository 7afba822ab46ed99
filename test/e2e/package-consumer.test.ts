import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = join(import.meta.dirname, '..', '..');
const fixtures = join(repoRoot, 'test', 'fixtures', 'package-consumer');

interface Run {
  code: number;
  out: string;
}

/** Runs a command to completion; the exit code and the merged output, never a throw. */
function run(cmd: string, args: string[], cwd: string, timeoutMs = 240_000): Promise<Run> {
  // A consumer runs plain Node: none of the repository's test flags (the source condition) leak in.
  const env = { ...process.env, NODE_OPTIONS: '', TSWORLD_NO_NATIVE: '1', npm_config_update_notifier: 'false' };
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

  beforeAll(async () => {
    ok(await run('npm', ['pack', '--pack-destination', dir], repoRoot), 'npm pack');
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (tarball === undefined) throw new Error(`npm pack left no tarball in ${dir}`);
    mkdirSync(join(project, 'src'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
    const install = ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tarball), 'typescript@5.9.3'];
    ok(await run('npm', install, project), 'npm install');
    ok(await run(process.execPath, [tsc, '--init'], project), 'tsc --init');
    for (const f of ['game.ts', 'client.ts', 'test-cluster.ts']) copyFileSync(join(fixtures, f), join(project, 'src', f));
  }, 300_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
});
