import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../support/deployment.ts';

/*
 * The reason the password pool is a world resource: an in-place reload evaluates every file of the game
 * directory again, so a pool made by a module would be made once more per reload. This runs the real
 * module reloader in a `node --import tsx` child (vitest's module runner bypasses Node's loader hooks).
 */
const src = (path: string) => JSON.stringify(join(repoRoot, 'src', path));
const gameDir = join(repoRoot, 'examples', 'chatroom', 'game');

const SCRIPT = `
import { createBruteForceAoi } from ${src('aoi/brute-force.ts')};
import { createGameWorld } from ${src('core/world.ts')};
import { createWorldResources } from ${src('core/world-resources.ts')};
import { createModuleReloader } from ${src('hotswap/module-reload.ts')};

const reloader = createModuleReloader({ rootDir: ${JSON.stringify(gameDir)} });
const resources = createWorldResources();
const world = createGameWorld({ entityTypes: [], aoiFactory: createBruteForceAoi, resources });
const modules = [];
const pools = [];
for (let i = 0; i < 3; i++) {
  const mod = await reloader.reimport(${JSON.stringify(join(gameDir, 'password.ts'))});
  modules.push(mod);
  pools.push(mod.passwordPool(world));
}
const hashed = await new Promise((done) => pools[2].hash('pw', done));
const before = pools[0].stats();
await resources.closeAll();
console.log(JSON.stringify({
  generation: reloader.generation,
  freshModules: new Set(modules.map((m) => m.passwordPool)).size,
  samePool: pools.every((p) => p === pools[0]),
  hashed: hashed.ok,
  workersBefore: before.workers,
  workersAfter: pools[0].stats().workers,
}));
`;

describe('chatroom password pool across in-place reloads', () => {
  it('three generations of the game code share one pool, and closing the world ends it', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
      cwd: repoRoot,
      timeout: 30_000,
    });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({
      generation: 3,
      freshModules: 3,
      samePool: true,
      hashed: true,
      workersBefore: 1,
      workersAfter: 0,
    });
  });
});
