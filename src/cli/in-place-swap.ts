import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { DeploymentConfig } from '../config/index.ts';
import { inPlaceResultPath, type InPlaceResult } from '../roles/game/in-place-reload.ts';
import { isOurProcess, type RunState } from './run-state.ts';

/**
 * Level-2 reload of one game: SIGUSR2, then wait for the result file the game writes. 'fallback' means
 * the new code changes the schema, so only a process swap (which migrates data) can take it.
 */
export async function inPlaceSwap(
  config: DeploymentConfig,
  state: RunState,
  gameId: number,
  say: (line: string) => void,
): Promise<'done' | 'fallback' | 'failed'> {
  const record = state.processes.find((p) => p.role === 'game' && p.id === gameId);
  if (!record || !(await isOurProcess(record))) {
    say(`game${gameId}: not running`);
    return 'failed';
  }
  const resultPath = inPlaceResultPath(config.hotswap.snapshotDir, gameId);
  rmSync(resultPath, { force: true });
  process.kill(record.pid, 'SIGUSR2');
  const deadline = Date.now() + 60_000;
  while (!existsSync(resultPath)) {
    if (Date.now() > deadline || !(await isOurProcess(record))) {
      say(`game${gameId}: no answer to the in-place reload; see ${record.logFile}`);
      return 'failed';
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const result = JSON.parse(readFileSync(resultPath, 'utf8')) as InPlaceResult;
  if (result.ok) {
    const r = result.report;
    say(
      `game${gameId}: new code running in place (generation ${result.generation}): ${r.entityTypes.length} entity types, ` +
        `systems +${r.systems.added.length} -${r.systems.removed.length} ~${r.systems.replaced.length}, ` +
        `${r.entities} entities, tick held ${r.ms.toFixed(2)} ms (import ${result.importMs.toFixed(0)} ms, off the tick)`,
    );
    return 'done';
  }
  if (result.code === 'SCHEMA_MISMATCH') {
    say(`game${gameId}: cannot swap in place: ${result.message}`);
    return 'fallback';
  }
  say(`game${gameId}: in-place reload failed (${result.code}): ${result.message}; the running code is unchanged`);
  return 'failed';
}
