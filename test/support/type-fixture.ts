import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const repoRoot = join(import.meta.dirname, '..', '..');
const DIRECTIVE = '// @ts-expect-error';

/** Diagnostics of one compile of the fixture: 1-based lines and flattened messages. */
export interface FixtureDiagnostics {
  readonly lines: number[];
  readonly messages: string[];
}

/**
 * A type-level test's fixture (a file whose wrong uses carry `// @ts-expect-error`), compiled with the
 * TypeScript API under the repo's tsconfig: as written, where every directive must be used, and with
 * the directives removed, where exactly the lines they mark must fail. The second compile reuses the
 * first program, so the pair costs little more than one.
 */
export function typeFixture(path: string): {
  compile(): FixtureDiagnostics;
  compileWithoutDirectives(): FixtureDiagnostics & { expected: number[] };
} {
  const fixture = join(repoRoot, path);
  const text = readFileSync(fixture, 'utf8');
  const options = compilerOptions();
  let previous: ts.Program | undefined;

  function diagnostics(source: string): FixtureDiagnostics {
    const host = ts.createCompilerHost(options);
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (name, lang, onError, fresh) => (name === fixture ? ts.createSourceFile(name, source, lang, true) : read(name, lang, onError, fresh));
    const program = ts.createProgram({ rootNames: [fixture], options, host, ...(previous ? { oldProgram: previous } : {}) });
    previous = program;
    const file = program.getSourceFile(fixture)!;
    const diags = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
    return {
      lines: [...new Set(diags.map((d) => file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1))].sort((a, b) => a - b),
      messages: diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    };
  }

  return {
    compile: () => diagnostics(text),
    compileWithoutDirectives() {
      const lines = text.split('\n');
      // A directive applies to the line after it (1-based: its index + 2).
      const expected = lines.flatMap((l, i) => (l.trim().startsWith(DIRECTIVE) ? [i + 2] : []));
      return { ...diagnostics(lines.map((l) => (l.trim().startsWith(DIRECTIVE) ? '' : l)).join('\n')), expected };
    },
  };
}

function compilerOptions(): ts.CompilerOptions {
  const file = join(repoRoot, 'tsconfig.json');
  const { config } = ts.readConfigFile(file, (p) => ts.sys.readFile(p));
  return { ...ts.parseJsonConfigFileContent(config, ts.sys, repoRoot, undefined, file).options, noEmit: true };
}
