import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.ts';

const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };

/** Runs the CLI in this process (main never exits the process) and collects what it prints. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  try {
    return { code: await main(argv), out, err };
  } finally {
    vi.restoreAllMocks();
  }
}

describe('tsworld CLI usage', () => {
  afterEach(() => vi.restoreAllMocks());

  it('--version prints the package version', async () => {
    for (const flag of ['--version', '-v']) expect(await cli(flag)).toMatchObject({ code: 0, out: `${pkg.version}\n` });
  });

  it('each verb has its own help, listing only its options', async () => {
    const start = await cli('start', '--help');
    expect(start.code).toBe(0);
    expect(start.out).toContain('Usage: tsworld start');
    expect(start.out).toContain('--foreground');
    expect(start.out).not.toContain('--in-place');
    const reload = await cli('reload', '--help');
    expect(reload.out).toContain('--in-place');
    expect(reload.out).toContain('--no-rollback');
    expect(reload.out).not.toContain('--foreground');
    const init = await cli('help', 'init');
    expect(init.out).toContain('--template <name>');
    for (const choice of ['"default"', '"chatroom"', '"mmo"']) expect(init.out).toContain(choice);
  });

  it('suggests the verb meant, and a usage mistake is exit code 2', async () => {
    const r = await cli('strat');
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'strat'");
    expect(r.err).toContain('Did you mean start?');
    expect((await cli()).code).toBe(2);
  });

  it('refuses a flag that does not apply to the verb, suggesting the one meant', async () => {
    const r = await cli('status', '--foreground');
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option '--foreground'");
    const typo = await cli('reload', '--in-plac');
    expect(typo.err).toContain('Did you mean --in-place?');
    expect((await cli('start', '--wait', '10')).err).toContain('--wait applies only with --host');
    expect((await cli('start', '--watch')).err).toContain('--watch needs --foreground');
    expect((await cli('start', '--host', 'a', '--wait', 'soon')).err).toContain("expects a number of seconds, got 'soon'");
  });

  it('stop and kill of a path that does not exist name that path, not its parent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsworld-cli-'));
    try {
      const missing = join(dir, 'no-such-deployment');
      for (const verb of ['stop', 'kill']) {
        const r = await cli(verb, missing);
        expect(r.code).toBe(1);
        expect(r.err).toContain(`no deployment directory or config file at ${missing}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
