import type { DeploymentConfig } from '../config/index.ts';
import { controlSocketPath } from '../roles/shared/control-channel.ts';
import type { InPlaceResult } from '../roles/game/in-place-reload.ts';
import { controlAsk } from './control-client.ts';
import { isOurProcess, runDir, type RunState } from './run-state.ts';

/**
 * Level-2 reload of one game: an `in-place` request on its control channel, answered with the outcome.
 * 'fallback' means the new code changes the schema, so only a process swap (which migrates data) can take it.
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
  let result: InPlaceResult;
  try {
    result = (await controlAsk(controlSocketPath(runDir(config.baseDir), 'game', gameId), { cmd: 'in-place' }, 60_000)) as unknown as InPlaceResult;
  } catch (err) {
    say(`game${gameId}: no answer to the in-place reload (${(err as Error).message}); see ${record.logFile}`);
    return 'failed';
  }
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
