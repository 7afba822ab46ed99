import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCounterGame, type CounterGameVersion } from '../fixtures/counter-game.ts';
import { testClient, type TestClient } from './clients.ts';
import { startDeployment, type DeploymentSpec, type TestDeployment } from './deployment.ts';

/** The counter game in its own directory on a 1-game, 1-gate deployment, with one client that plays it. */
export interface CounterDeployment {
  d: TestDeployment;
  gameDir: string;
  client: TestClient;
  /** Writes a new version of the game code (then `tsworld reload` it). */
  write(tag: string, version?: Omit<CounterGameVersion, 'tag'>): void;
  stop(): Promise<void>;
}

export async function startCounterDeployment(spec: Partial<DeploymentSpec> = {}): Promise<CounterDeployment> {
  const gameDir = mkdtempSync(join(tmpdir(), 'tsworld-counter-'));
  const entry = writeCounterGame(gameDir, { tag: 'v1' });
  const d = await startDeployment({ games: 1, gates: 1, ...spec, entry });
  const client = await testClient(d.wsUrls[0]);
  await client.waitForPlayer();
  return {
    d,
    gameDir,
    client,
    write: (tag, version = {}) => void writeCounterGame(gameDir, { ...version, tag }),
    async stop() {
      client.close();
      await d.stop();
      rmSync(gameDir, { recursive: true, force: true });
    },
  };
}
