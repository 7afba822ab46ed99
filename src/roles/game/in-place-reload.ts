import { dirname } from 'node:path';
import { TsworldError } from '../../core/errors.ts';
import type { GameWorld } from '../../core/world-api.ts';
import { swapGameCode, type SwapReport } from '../../core/world-swap.ts';
import { createModuleReloader } from '../../hotswap/module-reload.ts';
import type { Logger } from '../../observability/index.ts';
import type { GameModule } from './game-module.ts';

/** The outcome of an in-place reload, answered over the control channel to `tsworld reload --in-place`. */
export type InPlaceResult =
  | { ok: true; generation: number; report: SwapReport; importMs: number }
  | { ok: false; code: string; message: string };

/**
 * Level-2 hot swap in a running game: re-import the game module from disk (every file under its
 * directory afresh), then swap entity types and systems between two ticks. State lives in arrays and
 * attributes, so nothing is copied; a schema change is refused whole (the CLI falls back to a process
 * swap). The outcome is the answer to the control channel's `in-place` request.
 */
export function createInPlaceReloader(deps: {
  entry: string;
  world: GameWorld;
  log: Logger;
  accept: (module: GameModule) => GameModule;
}): { reload(): Promise<InPlaceResult> } {
  const reloader = createModuleReloader({ rootDir: dirname(deps.entry) });
  const { world, log } = deps;


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
        return ({ ok: false, code: 'LOAD_FAILED', message: (err as Error).message });
      }
      const importMs = performance.now() - t0;
      // Between two ticks: the swap runs as the first thing of the next tick's async phase.
      const outcome = await new Promise<SwapReport | TsworldError>((resolve) =>
        world.post(() => resolve(swapGameCode(world, { entityTypes: module.entityTypes, spaceTypes: module.spaceTypes, components: module.components, systems: module.systems ?? {} }))),
      );
      if (outcome instanceof TsworldError) {
        log.warn({ code: outcome.code }, `in-place reload refused: ${outcome.message}`);
        return ({ ok: false, code: outcome.code, message: outcome.message });
      }
      log.info({ ...outcome, generation: reloader.generation, importMs }, 'in-place reload: new code running');
      return ({ ok: true, generation: reloader.generation, report: outcome, importMs });
    },
  };
}
