import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEntityStorage, type EntityStorage } from '../../src/storage/index.ts';
import { writeGameModule } from '../fixtures/write-game.ts';
import { startDeployment, tsworld, type TestDeployment } from '../support/deployment.ts';

const CLOCK = 'ClockClockClock1';
const SAVE_INTERVAL_SEC = 2;

/** A game whose one persistent entity writes the wall-clock time into a persistent attribute every tick. */
function writeClockGame(dir: string): string {
  return writeGameModule(dir, (src) =>
    `import { attr } from ${src('core/attr-decl.ts')};
import { defineEntityType } from ${src('core/entity-type.ts')};
import { t } from ${src('core/value-types.ts')};
import { defineGame } from ${src('roles/game/game-module.ts')};
export const Clock = defineEntityType({ name: 'Clock', persistent: true, attrs: { stamp: attr(t.float, { flags: ['persistent'] }) } });
export const Player = defineEntityType({ name: 'Player' });
export default defineGame({
  entityTypes: [Clock, Player],
  bootEntity: 'Player',
  systems: { stamp: (world) => { for (const e of world.entities()) if (e.typeName === 'Clock') e.attrs.set('stamp', Date.now()); } },
  onGameReady(world) { if (!world.entity(${JSON.stringify(CLOCK)})) world.createEntity(Clock, { id: ${JSON.stringify(CLOCK)} }); },
});
`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How old persistent data is after a crash: a game saves its dirty persistent entities every
 * `saveIntervalSec`, so a kill -9 loses at most that much. Measured at both ends: killed right after a
 * save lands (seen through the storage itself) and right before the next one is due.
 */
describe('persistent data after kill -9', () => {
  let d: TestDeployment;
  let dir: string;
  let storage: EntityStorage;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsworld-save-age-'));
    d = await startDeployment({
      entry: writeClockGame(dir), games: 1, gates: 1,
      gameDefaults: { saveIntervalSec: SAVE_INTERVAL_SEC },
      sections: { supervision: { enabled: false } },
    });
    // LMDB is shared between processes: the test reads what the game commits, as it commits it.
    storage = openEntityStorage({ kind: 'lmdb', path: join(d.dir, 'data') });
  });
  afterAll(async () => {
    await storage?.close();
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const stamp = async () => ((await storage.load('Clock', CLOCK))?.stamp as number | undefined) ?? 0;

  /** Waits for the next save to land and resolves with when it was seen. */
  async function nextSave(): Promise<number> {
    const before = await stamp();
    const deadline = Date.now() + 4 * SAVE_INTERVAL_SEC * 1000;
    while (Date.now() < deadline) {
      const now = await stamp();
      if (now !== before) return Date.now();
      await sleep(5);
    }
    throw new Error('no save landed');
  }

  /** Looked up first: `tsworld status` takes a moment, and the kill must land when the test says. */
  const gamePid = async () => (await d.status()).processes.find((p) => p.role === 'game')!.pid;
  function kill(pid: number): number {
    process.kill(pid, 'SIGKILL');
    return Date.now();
  }

  it('is never older than saveIntervalSec, killed right after a save and right before one', async () => {
    let pid = await gamePid();
    await nextSave();
    await nextSave();
    const killedAfter = kill(pid);
    await sleep(300);
    const ageAfter = killedAfter - (await stamp());
    await tsworld('restart', d.dir, 'game1');
    pid = await gamePid();
    await nextSave();
    const seen = await nextSave();
    await sleep(SAVE_INTERVAL_SEC * 1000 - 150 - (Date.now() - seen));
    const killedBefore = kill(pid);
    await sleep(300);
    const ageBefore = killedBefore - (await stamp());
    console.log(`saveIntervalSec ${SAVE_INTERVAL_SEC}: data age after kill -9 right after a save ${ageAfter} ms, right before the next ${ageBefore} ms`);
    // The interval, plus a tick and the save's own latency (loose: a loaded machine runs ticks late).
    for (const age of [ageAfter, ageBefore]) expect(age).toBeLessThanOrEqual(SAVE_INTERVAL_SEC * 1000 + 1000);
  });
});
