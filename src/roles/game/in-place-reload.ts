import { renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { TsworldError } from '../../core/errors.ts';
import type { GameWorld } from '../../core/world-api.ts';
import { swapGameCode, type SwapReport } from '../../core/world-swap.ts';
import { createModuleReloader } from '../../hotswap/module-reload.ts';
import type { Logger } from '../../observability/index.ts';
import type { GameModule } from './game-module.ts';

/** What a game writes after an in-place reload, for `tsworld reload --in-place` to read. */
export type InPlaceResult =
  | { ok: true; generation: number; report: SwapReport; importMs: number }
  | { ok: false; code: string; message: string };

export function inPlaceResultPath(snapshotDir: string, id: number): string {
  return `${snapshotDir}/game${id}.in-place.json`;
}

/**
 * Level-2 hot swap in a running game: re-import the game module from disk (every file under its
 * directory afresh), then swap entity types and systems between two ticks. State lives in arrays and
 * attributes, so nothing is copied; a schema change is refused whole (the CLI falls back to a process
 * swap). The outcome is written to a small JSON file, since a daemonized game has no channel to the CLI.
 */
export function createInPlaceReloader(deps: {
  entry: string;
  world: GameWorld;
  log: Logger;
  resultPath: string;
  accept: (module: GameModule) => GameModule;
}): { reload(): Promise<InPlaceResult> } {
  const reloader = createModuleReloader({ rootDir: dirname(deps.entry) });
  const { world, log } = deps;

  function publish(result: InPlaceResult): InPlaceResult {
    const tmp = `${deps.resultPath}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(result));
    renameSync(tmp, deps.resultPath);
    return result;
  }

  return {
    async reload() {
      const t0 = performance.now();
      let module: GameModule;
      try {
        const ns = await reloader.reimport<{ default?: GameModule }>(deps.entry);
        if (!ns.default || !Array.isArray(ns.default.entityTypes)) throw new Error('the game module has no default export from defineGame');
        module = deps.accept(ns.default);
      } catch (err) {
        log.error({ err }, 'in-place reload: the new code failed to load; the running code is unchanged');
        return publish({ ok: false, code: 'LOAD_FAILED', message: (err as Error).message });
      }
      const importMs = performance.now() - t0;
      // Between two ticks: the swap runs as the first thing of the next tick's async phase.
      const outcome = await new Promise<SwapReport | TsworldError>((resolve) =>
        world.post(() => resolve(swapGameCode(world, { entityTypes: module.entityTypes, spaceTypes: module.spaceTypes, components: module.components, systems: module.systems ?? {} }))),
      );
      if (outcome instanceof TsworldError) {
        log.warn({ code: outcome.code }, `in-place reload refused: ${outcome.message}`);
        return publish({ ok: false, code: outcome.code, message: outcome.message });
      }
      log.info({ ...outcome, generation: reloader.generation, importMs }, 'in-place reload: new code running');
      return publish({ ok: true, generation: reloader.generation, report: outcome, importMs });
    },
  };
}
