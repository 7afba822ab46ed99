import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const fixture = join(repoRoot, 'test', 'fixtures', 'typed-server', 'server-calls.ts');
const DIRECTIVE = '// @ts-expect-error';

function compilerOptions(): ts.CompilerOptions {
  const file = join(repoRoot, 'tsconfig.json');
  const { config } = ts.readConfigFile(file, (p) => ts.sys.readFile(p));
  return { ...ts.parseJsonConfigFileContent(config, ts.sys, repoRoot, undefined, file).options, noEmit: true };
}

/** The fixture's diagnostics with its text replaced by `text`: 1-based lines and flattened messages. */
function diagnostics(text: string, options: ts.CompilerOptions, old?: ts.Program): { lines: number[]; messages: string[]; program: ts.Program } {
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, fresh) => (name === fixture ? ts.createSourceFile(name, text, lang, true) : read(name, lang, onError, fresh));
  const program = ts.createProgram({ rootNames: [fixture], options, host, ...(old ? { oldProgram: old } : {}) });
  const source = program.getSourceFile(fixture)!;
  const diags = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
  return {
    lines: [...new Set(diags.map((d) => source.getLineAndCharacterOfPosition(d.start ?? 0).line + 1))].sort((a, b) => a - b),
    messages: diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    program,
  };
}

/**
 * Server code's calls by name (timers, cron, callClient/callAllClients, cluster.call<typeof T>) and a
 * game's bootEntity, compiled with the TypeScript API: right uses pass, and each misspelt name or wrong
 * argument is a compile error of its own.
 */
describe('server-side call types', { timeout: 120_000 }, () => {
  const text = readFileSync(fixture, 'utf8');
  const options = compilerOptions();
  let first: ts.Program | undefined;

  it('compiles the fixture: right uses pass and every @ts-expect-error line is an error', () => {
    const r = diagnostics(text, options);
    first = r.program;
    expect(r.messages).toEqual([]);
  });

  it('without the directives, exactly the lines they mark fail, each for its own reason', () => {
    const lines = text.split('\n');
    const expected = lines.flatMap((l, i) => (l.trim().startsWith(DIRECTIVE) ? [i + 2] : []));
    expect(expected.length).toBe(10);
    const stripped = lines.map((l) => (l.trim().startsWith(DIRECTIVE) ? '' : l)).join('\n');
    const r = diagnostics(stripped, options, first);
    expect(r.lines).toEqual(expected);
    const all = r.messages.join('\n');
    expect(all).toMatch(/Argument of type '\["mvoe", \[number, number\]\]' is not assignable/);
    expect(all).toMatch(/Argument of type '\["stpo"\]' is not assignable/);
    expect(all).toMatch(/Argument of type '\["halt"\]' is not assignable/);
    expect(all).toMatch(/Argument of type '"onMove"' is not assignable to parameter of type '"onMoved"'/);
    expect(all).toMatch(/Type 'string' is not assignable to type 'number'/);
    expect(all).toMatch(/Source has 1 element\(s\) but target requires 2/);
    expect(all).toMatch(/bootEntityMustBeOneOf: "Ship" \| "Buoy"/);
  });
});
