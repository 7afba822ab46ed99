import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { connectClient, type WebSocketConstructor } from '../../../src/client/index.ts';
import { createTestCluster, type TestCluster } from '../../../src/testing/index.ts';
import game from '../../../examples/mmo/game/main.ts';
import type { Player } from '../../../examples/mmo/game/player.ts';
import { TAG } from '../../../examples/mmo/game/version.ts';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const fixture = join(repoRoot, 'test', 'fixtures', 'typed-client', 'mmo-client.ts');
const DIRECTIVE = '// @ts-expect-error';

function compilerOptions(): ts.CompilerOptions {
  const file = join(repoRoot, 'tsconfig.json');
  const { config } = ts.readConfigFile(file, (p) => ts.sys.readFile(p));
  return { ...ts.parseJsonConfigFileContent(config, ts.sys, repoRoot, undefined, file).options, noEmit: true };
}

/** The fixture's diagnostics, 1-based line numbers, with its text replaced by `text`. */
function diagnosticLines(text: string, options: ts.CompilerOptions, old?: ts.Program): { lines: number[]; messages: string[]; program: ts.Program } {
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, fresh) =>
    name === fixture ? ts.createSourceFile(name, text, lang, true) : read(name, lang, onError, fresh);
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
 * The typed client SDK (connectClient<typeof game>, entity<typeof Player>(id).call.*, on('call', ...)):
 * compiled with the TypeScript API against the mmo example's real declarations.
 */
describe('typed client SDK', { timeout: 120_000 }, () => {
  const text = readFileSync(fixture, 'utf8');
  const options = compilerOptions();
  let first: ts.Program | undefined;

  it('compiles the fixture: correct uses pass and every @ts-expect-error line is an error', () => {
    const r = diagnosticLines(text, options);
    first = r.program;
    expect(r.messages).toEqual([]);
  });

  it('without the directives, exactly the lines they mark fail, each for its own reason', () => {
    const lines = text.split('\n');
    const expected = lines.flatMap((l, i) => (l.trim().startsWith(DIRECTIVE) ? [i + 2] : []));
    expect(expected.length).toBeGreaterThanOrEqual(10);
    const stripped = lines.map((l) => (l.trim().startsWith(DIRECTIVE) ? '' : l)).join('\n');
    const r = diagnosticLines(stripped, options, first);
    expect(r.lines).toEqual(expected);
    const all = r.messages.join('\n');
    expect(all).toContain("Property 'ecoh' does not exist");
    expect(all).toContain("Argument of type 'string' is not assignable to parameter of type 'number'");
    expect(all).toMatch(/'"onEchoo"' is not assignable/);
    expect(all).toMatch(/Property 'bootEntityMustBeOneOf' is missing[\s\S]*bootEntityMustBeOneOf: "Monster"/);
  });
});

describe('typed client SDK at run time', () => {
  let cluster: TestCluster | undefined;
  afterAll(async () => cluster?.stop());

  it('entity(id).call.echo sends the call, on(call, onEcho) gets its arguments spread, attrs mirror the entity', async () => {
    cluster = await createTestCluster({ game, games: 1, gates: 1, clock: 'system' });
    const url = `mem://127.0.0.1:${cluster.gates[0].port}/ws`;
    const client = await connectClient<typeof game>({ url, WebSocket: cluster.clientNetwork.WebSocket as unknown as WebSocketConstructor });
    const player = await client.waitForPlayer();
    const me = client.entity<typeof Player>(player.id);
    const echoes: [number, string, string][] = [];
    const got = new Promise<void>((resolve) => {
      client.on('call', 'onEcho', (seq, tag, entity) => {
        echoes.push([seq, tag, entity.id]);
        if (echoes.length === 2) resolve();
      });
    });
    me.call.echo(41);
    me.call.echo(42);
    await got;
    expect(echoes).toEqual([[41, TAG, player.id], [42, TAG, player.id]]);
    expect(me.attrs.name).toBe(`p-${player.id.slice(-4)}`);
    expect(me.mirror).toBe(player);
    expect(client.entity('not-in-view').attrs).toEqual({});
    client.close();
  });
});
