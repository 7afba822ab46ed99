import { dirname } from 'node:path';
import { TsworldError } from '../../core/errors.ts';
import type { GameWorld } from '../../core/world-api.ts';
import { swapGameCode, type SwapReport } from '../../core/world-swap.ts';
import { createModuleReloader } from '../../hotswap/module-reload.ts';
import type { Logger } from '../../observability/index.ts';
import type { CodeHealth } from './code-health.ts';
import type { GameModule } from './game-module.ts';

/** The outcome of an in-place reload, answered over the control channel to `tsworld reload --in-place`. */
export type InPlaceResult =
  | { ok: true; generation: number; report: SwapReport; importMs: number }
  | { ok: false; code: string; message: string };

/** Which code an in-place swap installs: new code from disk, or (a rollback) the module it replaced. */
type SwapTarget = { kind: 'reload' } | { kind: 'rollback'; module: GameModule };

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
  /** The module running now; kept as the rollback target of the next swap. */
  initial: GameModule;
  /** Marked when new code takes over, so a probation counts only its errors. */
  health: CodeHealth;
}): { reload(): Promise<InPlaceResult>; rollback(): Promise<InPlaceResult> } {
  const reloader = createModuleReloader({ rootDir: dirname(deps.entry) });
  const { world, log } = deps;
  // A rollback is one step back: the module the last swap replaced, then nothing more.
  const code = { current: deps.initial, previous: null as GameModule | null };

  async function swap(target: SwapTarget): Promise<InPlaceResult> {
    const t0 = performance.now();
    let module: GameModule;
    if (target.kind === 'rollback') {
      module = target.module;
    } else {
      try {
        const ns = await reloader.reimport<{ default?: GameModule }>(deps.entry);
        if (!ns.default || !Array.isArray(ns.default.entityTypes)) throw new Error('the game module has no default export from defineGame');
        module = deps.accept(ns.default);
      } catch (err) {
        log.error({ err }, 'in-place reload: the new code failed to load; the running code is unchanged');
        return ({ ok: false, code: 'LOAD_FAILED', message: (err as Error).message });
      }
    }
    const importMs = performance.now() - t0;
    // Between two ticks: the swap runs as the first thing of the next tick's async phase.
    const outcome = await new Promise<SwapReport | TsworldError>((resolve) =>
      world.post(() => resolve(swapGameCode(world, { entityTypes: [...module.entityTypes, ...(module.services ?? []).map((service) => service.type)], spaceTypes: module.spaceTypes, components: module.components, systems: module.systems ?? {} }))),
    );
    if (outcome instanceof TsworldError) {
      log.warn({ code: outcome.code }, `in-place ${target.kind} refused: ${outcome.message}`);
      return ({ ok: false, code: outcome.code, message: outcome.message });
    }
    code.previous = target.kind === 'reload' ? code.current : null;
    code.current = module;
    deps.health.mark();
    log.info({ ...outcome, generation: reloader.generation, importMs }, target.kind === 'reload' ? 'in-place reload: new code running' : 'in-place rollback: the previous code is running again');
    return ({ ok: true, generation: reloader.generation, report: outcome, importMs });
  }

  return {
    reload: () => swap({ kind: 'reload' }),
    async rollback() {
      if (!code.previous) return { ok: false, code: 'INVALID_STATE', message: 'no previous code to roll back to' };
      return swap({ kind: 'rollback', module: code.previous });
    },
  };
}
