import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { DeploymentConfig } from '../config/index.ts';
import { copyGameCode } from '../hotswap/code-copy.ts';
import type { CodeHealthReport } from '../roles/game/code-health.ts';
import { controlSocketPath } from '../roles/shared/control-channel.ts';
import { controlAsk } from './control-client.ts';
import { runDir, writeRunState, type RunState } from './run-state.ts';

export type ProbationVerdict = { ok: true; report: CodeHealthReport } | { ok: false; report: CodeHealthReport | null; why: string };

/**
 * New code is trusted only after it ran `hotswap.probationMs` with at most `probationMaxErrors` errors
 * of game code: a system that throws after a restore would otherwise be reported as a good reload.
 * The game answers `health` with its count since the new code took over, and the first stack.
 */
export async function probation(config: DeploymentConfig, gameId: number, say: (line: string) => void): Promise<ProbationVerdict> {
  const { probationMs, probationMaxErrors } = config.hotswap;
  if (probationMs > 0) {
    say(`game${gameId}: probation: watching the new code for ${probationMs} ms`);
    await sleep(probationMs);
  }
  let report: CodeHealthReport;
  try {
    report = (await controlAsk(controlSocketPath(runDir(config.baseDir), 'game', gameId), { cmd: 'health' }, 10_000)) as unknown as CodeHealthReport;
  } catch (err) {
    return { ok: false, report: null, why: `the game did not answer its health check (${(err as Error).message})` };
  }
  if (report.errors <= probationMaxErrors) return { ok: true, report };
  return { ok: false, report, why: `${report.errors} error(s) of game code in ${report.sinceMs} ms (at most ${probationMaxErrors} allowed)` };
}

/** What a failed probation says: why, and the first error with its stack. */
export function describeFailure(gameId: number, verdict: ProbationVerdict & { ok: false }): string {
  const first = verdict.report?.first;
  const stack = first ? `\nfirst error, in ${first.where}:\n${first.stack}` : '';
  return `tsworld reload: game${gameId}: the new code failed probation: ${verdict.why}${stack}\n`;
}

/**
 * Keeps a copy of the game code on disk now (code-copy.ts), for a later rollback. A copy that cannot be
 * made is said and is not fatal: the reload goes on, and only a rollback to it becomes impossible.
 */
export async function keepCode(config: DeploymentConfig, say: (line: string) => void): Promise<string | undefined> {
  const out = join(runDir(config.baseDir), 'code', `game-code-${Date.now()}.mjs`);
  try {
    await copyGameCode(config.entry, out);
    return out;
  } catch (err) {
    say(`warning: ${(err as Error).message}; a reload of this code cannot be rolled back`);
    return undefined;
  }
}

/** Records which kept copy a game runs, so the next reload knows where to roll back to. */
export function recordCode(config: DeploymentConfig, state: RunState, gameId: number, code: string | undefined): void {
  for (const p of state.processes) if (p.role === 'game' && p.id === gameId) p.code = code;
  writeRunState(config.baseDir, state);
}
