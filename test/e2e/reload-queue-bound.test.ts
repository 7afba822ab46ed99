import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLIENT_ERROR_CODES } from '../../src/protocol/index.ts';
import { writeCounterGame } from '../fixtures/counter-game.ts';
import { testClient } from '../support/clients.ts';
import { startDeployment, tsworld, type TestDeployment } from '../support/deployment.ts';

describe('dispatcher queue bounds during a hot swap', () => {
  let d: TestDeployment | undefined;
  let gameDir: string | undefined;
  afterAll(async () => {
    await d?.stop();
    if (gameDir) rmSync(gameDir, { recursive: true, force: true });
  });

  it('declares a game that is not restored in time down, loudly, and clients get clear errors', async () => {
    gameDir = mkdtempSync(join(tmpdir(), 'tsworld-bound-'));
    const entry = writeCounterGame(gameDir, { tag: 'v1' });
    d = await startDeployment({ entry, games: 1, gates: 1, hotswap: { freezeQueueMaxMs: 1500 } });
    const client = await testClient(d.wsUrls[0]);
    const me = await client.waitForPlayer();

    writeCounterGame(gameDir, { tag: 'v2', statsType: 'i32' }); // cannot be restored
    await expect(tsworld('reload', d.dir)).rejects.toThrow(/restoring game1 failed/);
    const log = join(d.dir, 'logs', 'dispatcher1.log');
    const deadline = Date.now() + 15_000;
    const declared = () => {
      const text = readFileSync(log, 'utf8');
      return text.includes('game declared down') && text.includes('not restored within 1500 ms');
    };
    while (!declared() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(declared(), 'the dispatcher declares game1 down in its log').toBe(true);
    // The entity is gone with its game: a call is answered with an error, the client stays connected,
    // and it is told its player was lost. The supervisor leaves the game to `reload --resume`.
    client.call(me.id, 'bump', 1);
    const error = await client.waitFor(() => client.errors.find((e) => e.code === CLIENT_ERROR_CODES.UNREACHABLE), 'an error');
    expect(error.message).toMatch(/unreachable: its game is down/);
    expect(client.connected).toBe(true);
    expect(readFileSync(join(d.dir, 'logs', 'supervisor.log'), 'utf8')).toMatch(/"event":"awaiting-resume"[^\n]*"process":"game1"/);
  });
});
