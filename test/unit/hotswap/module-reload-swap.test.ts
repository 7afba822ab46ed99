import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/*
 * Level-2 hot swap end to end, the way the game process does it: game code loaded by a plain import,
 * edited on disk, re-imported with the module reloader, and swapped into the live world. It runs in a
 * `node --import tsx` child because vitest's module runner bypasses Node's loader hooks.
 */

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const src = (path: string) => new URL(`../../../src/${path}`, import.meta.url).href;

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const COMPONENTS = `
import { defineComponent } from '${src('ecs/schema.ts')}';
export const Walk = defineComponent('Walk', { speed: 'f32' });
`;

const npc = (greeting: string, pace: number) => `
import { attr } from '${src('core/attr-decl.ts')}';
import { defineEntityType } from '${src('core/entity-type.ts')}';
import { t } from '${src('core/value-types.ts')}';
import type { System } from '${src('core/world-api.ts')}';
import { Position } from '${src('ecs/builtin-components.ts')}';
import { Walk } from './components.ts';

export const Npc = defineEntityType({
  name: 'Npc',
  components: [Walk],
  attrs: { name: attr(t.string, { flags: ['allClients'] }) },
  rpc: {
    greet: { expose: 'server', args: [t.string], fn: (e, who) => e.callClient('said', [${JSON.stringify(greeting)} + ' ' + who]) },
  },
});

export const walk: System = (world, dt) => {
  const pos = world.store(Position);
  const w = world.store(Walk);
  for (const eid of world.query([Walk])) pos.x[eid] += w.speed[eid] * ${pace} * dt;
};
`;

const MAIN = `
import { Npc, walk } from './npc.ts';
export default { entityTypes: [Npc], systems: { walk } };
`;

const RUN = `
import { writeFileSync } from 'node:fs';
import { createBruteForceAoi } from '${src('aoi/brute-force.ts')}';
import { TsworldError } from '${src('core/errors.ts')}';
import { swapGameCode, type GameCode } from '${src('core/world-swap.ts')}';
import { createGameWorld } from '${src('core/world.ts')}';
import { createModuleReloader } from '${src('hotswap/module-reload.ts')}';
import { Walk as WalkFromDisk } from './game/components.ts';

const at = (p: string) => new URL(p, import.meta.url).pathname;
const v1 = ((await import('./game/main.ts')) as { default: GameCode }).default;
const world = createGameWorld({ entityTypes: v1.entityTypes, aoiFactory: createBruteForceAoi, onError: (e) => { throw e; } });
for (const [name, system] of Object.entries(v1.systems ?? {})) world.addSystem(name, system);
const id = world.createEntity('Npc', { attrs: { name: 'bob' }, client: 'c1' });
world.applyDeferred();
world.store(WalkFromDisk).speed[world.entity(id)!.eid] = 1;
const said: string[] = [];
const drain = () => world.drainClientCalls((c) => said.push(String(c.args[0])));
world.call(id, 'greet', ['a']);
world.step(1);
drain();

writeFileSync(at('./game/npc.ts'), process.argv[2]);
const reloader = createModuleReloader({ rootDir: at('./game') });
const v2 = (await reloader.reimport<{ default: GameCode }>(at('./game/main.ts'))).default;
const report = swapGameCode(world, v2);
if (report instanceof TsworldError) throw report;
world.call(id, 'greet', ['b']);
world.step(1);
drain();

console.log(JSON.stringify({
  said,
  x: world.entity(id)!.position().x,
  name: world.entity(id)!.attrs.get('name'),
  client: world.entity(id)!.client,
  newType: world.entity(id)!.type === v2.entityTypes[0] && v2.entityTypes[0] !== v1.entityTypes[0],
  components: report.components,
  systems: report.systems,
}));
`;

describe('module reloader + swapGameCode (in a node --import tsx child)', () => {
  it('reloads edited game code from disk into a live world: new RPC body and system speed, same state', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsworld-swap-'));
    mkdirSync(join(dir, 'game'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    writeFileSync(join(dir, 'game/components.ts'), COMPONENTS);
    writeFileSync(join(dir, 'game/npc.ts'), npc('hello', 1));
    writeFileSync(join(dir, 'game/main.ts'), MAIN);
    writeFileSync(join(dir, 'run.ts'), RUN);
    const out = await new Promise<Record<string, unknown>>((done, fail) => {
      execFile(process.execPath, ['--import', 'tsx', join(dir, 'run.ts'), npc('howdy', 5)], { cwd: repoRoot, timeout: 30_000 }, (err, stdout, stderr) =>
        err ? fail(new Error(`child failed: ${err.message}\n${stderr}`)) : done(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>),
      );
    });
    expect(out).toEqual({
      said: ['hello a', 'howdy b'],
      // One second at speed 1 × pace 1, then one at speed 1 × pace 5.
      x: 6,
      name: 'bob',
      client: 'c1',
      newType: true,
      // components.ts was re-evaluated too: a new Walk object, bound to the same arrays.
      components: ['Walk'],
      systems: { added: [], removed: [], replaced: ['walk'] },
    });
  });
});
