import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../../support/deployment.ts';

const dir = mkdtempSync(join(tmpdir(), 'tsworld-fatal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a script in a child (the handlers are process-wide) and answers its exit code and stdout lines. */
function run(body: string): Promise<{ code: number | null; lines: Record<string, unknown>[]; stderr: string }> {
  const script = join(dir, `case-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(
    script,
    `import { createLogger } from ${JSON.stringify(join(repoRoot, 'src/observability/index.ts'))};
import { installFatalHandlers } from ${JSON.stringify(join(repoRoot, 'src/roles/shared/fatal-handlers.ts'))};
const log = createLogger({ role: 'game', id: 7, level: 'info', pretty: false });
installFatalHandlers(log);
${body}
`,
  );
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, timeout: 30_000 }, (err, stdout, stderr) => {
      const lines = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, lines, stderr });
    });
  });
}

describe('installFatalHandlers (in a child process)', () => {
  it('an unhandled rejection becomes one structured fatal line with the stack, and exit 1', async () => {
    const { code, lines, stderr } = await run(`void Promise.reject(new Error('storage exploded'));`);
    expect(code).toBe(1);
    const fatal = lines.find((l) => l['level'] === 60 || l['level'] === 'fatal');
    expect(fatal).toMatchObject({ kind: 'unhandledRejection', role: 'game', id: 7 });
    expect(String(fatal!['msg'])).toMatch(/storage exploded/);
    expect(String((fatal!['err'] as { stack?: string }).stack)).toMatch(/Error: storage exploded\n\s+at /);
    expect(stderr).not.toMatch(/storage exploded/);
  });

  it('an uncaught exception too, with a non-Error value named', async () => {
    const { code, lines } = await run(`setTimeout(() => { throw 'a string'; }, 1);`);
    expect(code).toBe(1);
    const fatal = lines.find((l) => l['kind'] === 'uncaughtException');
    expect(String(fatal?.['msg'])).toMatch(/non-error thrown: a string/);
  });
});
