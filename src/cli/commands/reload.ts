import { existsSync, renameSync, statSync } from 'node:fs';
import { snapshotPath } from '../../hotswap/snapshot-path.ts';
import { controlSocketPath } from '../../roles/shared/control-channel.ts';
import { controlRequest } from '../control-client.ts';
import { dirname, join } from 'node:path';
import { withDeploymentLock } from '../deployment-lock.ts';
import { checkHostFlag } from '../host-flag.ts';
import { loadConfig, type DeploymentConfig } from '../../config/index.ts';
import { controlAsk } from '../control-client.ts';
import { inPlaceSwap } from '../in-place-swap.ts';
import { describeFailure, keepCode, probation, recordCode } from '../probation.ts';
import type { InPlaceResult } from '../../roles/game/in-place-reload.ts';
import { isOurProcess, readRunState, runDir, writeRunState, type ProcessRecord, type RunState } from '../run-state.ts';
import { awaitRoleMessage, spawnRole, type SpawnedRole } from '../spawn-role.ts';
import { resolveConfigPath } from '../config-path.ts';

export interface ReloadOptions {
  /** Only restore games whose process is gone but whose snapshot is on disk (after a failed reload). */
  resume: boolean;
  /** Seconds a game may take to freeze and exit. */
  freezeTimeoutSec?: number;
  /** Level 2: new code in the running processes; a schema change falls back to a process swap. */
  inPlace?: boolean;
  /**
   * New code that fails its probation goes back to the code it replaced (default true; possible when a
   * copy of that code was kept, which `tsworld start` and every reload do).
   */
  rollback?: boolean;
  /** Reload only the games of this host (started with `tsworld start --host`), from its run file. */
  host?: string;
}


/**
 * GoWorld's reload, game by game: SIGHUP makes the game queue its packets at the dispatchers, finish its
 * tick and in-flight work, write its snapshot and exit; a new process running the new code restores it
 * and the dispatchers flush the queue in order. Gates and dispatchers keep running, so clients stay
 * connected. A failure stops the reload at that game and says how to retry; the snapshot is kept.
 */
export async function reloadCommand(dir: string, opts: ReloadOptions): Promise<number> {
  const lock = opts.host === undefined ? {} : { host: opts.host };
  return withDeploymentLock(dirname(resolveConfigPath(dir)), 'reload', () => reloadCommandLocked(dir, opts), lock);
}

async function reloadCommandLocked(dir: string, opts: ReloadOptions): Promise<number> {
  const configPath = resolveConfigPath(dir);
  const config = loadConfig(configPath);
  checkHostFlag(config, opts.host);
  const state = readRunState(config.baseDir, opts.host);
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  if (!state) {
    process.stderr.write(`tsworld reload: nothing is running in ${config.baseDir}${opts.host === undefined ? '' : ` on host ${opts.host}`}\n`);
    return 1;
  }
  for (const game of config.games.filter((g) => opts.host === undefined || g.hostName === opts.host)) {
    if (opts.inPlace && !opts.resume) {
      const outcome = await inPlaceWithProbation(config, state, game.id, opts, say);
      if (outcome === 'done') continue;
      if (outcome === 'failed') return 1;
      say(`game${game.id}: falling back to a process swap, which migrates the data`);
    }
    const code = await processSwapWithProbation({ config, configPath, state, gameId: game.id, opts, say, dir });
    if (code !== 0) return code;
  }
  say('reload complete: gates and dispatchers kept running, no client was disconnected');
  return 0;
}

/** In place, then probation; new code that fails it is swapped back out in place (the old module is still loaded). */
async function inPlaceWithProbation(
  config: DeploymentConfig, state: RunState, gameId: number, opts: ReloadOptions, say: (line: string) => void,
): Promise<'done' | 'fallback' | 'failed'> {
  const outcome = await inPlaceSwap(config, state, gameId, say);
  if (outcome !== 'done') return outcome;
  const verdict = await probation(config, gameId, say);
  if (verdict.ok) {
    say(`game${gameId}: probation passed (${verdict.report.errors} errors in ${verdict.report.sinceMs} ms)`);
    // A crash from now on restarts the game with this code, not the copy kept before the swap.
    recordCode(config, state, gameId, await keepCode(config, say));
    return 'done';
  }
  process.stderr.write(describeFailure(gameId, verdict));
  if (opts.rollback === false) {
    say(`game${gameId}: not rolled back (--no-rollback): the failing code keeps running`);
    return 'failed';
  }
  const t0 = Date.now();
  const back = (await controlAsk(controlSocketPath(runDir(config.baseDir), 'game', gameId), { cmd: 'in-place-rollback' }, 60_000)) as unknown as InPlaceResult;
  say(
    back.ok
      ? `game${gameId}: rolled back in place in ${Date.now() - t0} ms (tick held ${back.report.ms.toFixed(2)} ms): the previous code runs again`
      : `game${gameId}: the in-place rollback failed (${back.code}: ${back.message}); the failing code keeps running`,
  );
  return 'failed';
}

/** A process swap, then probation; new code that fails it is swapped out again for the kept copy of the old. */
async function processSwapWithProbation(ctx: SwapContext): Promise<number> {
  const { config, state, gameId, opts, say } = ctx;
  const previous = state.processes.find((p) => p.role === 'game' && p.id === gameId)?.code;
  const candidate = await keepCode(config, say);
  const swapped = await processSwap(ctx, undefined);
  if (swapped !== 0) return swapped;
  const verdict = await probation(config, gameId, say);
  if (verdict.ok) {
    say(`game${gameId}: probation passed (${verdict.report.errors} errors in ${verdict.report.sinceMs} ms)`);
    recordCode(config, state, gameId, candidate);
    return 0;
  }
  process.stderr.write(describeFailure(gameId, verdict));
  if (opts.rollback === false || !previous || !existsSync(previous)) {
    say(`game${gameId}: not rolled back (${opts.rollback === false ? '--no-rollback' : 'no copy of the previous code was kept'}): the failing code keeps running`);
    recordCode(config, state, gameId, candidate);
    return 1;
  }
  say(`game${gameId}: rolling back to the previous code (${previous}), through the same freeze and restore`);
  const back = await processSwap({ ...ctx, opts: { ...opts, resume: false } }, previous);
  if (back !== 0) return back;
  recordCode(config, state, gameId, previous);
  say(`game${gameId}: rolled back: the previous code runs again, with the state the new code had when it was frozen`);
  return 1;
}

/**
 * Asks the game to freeze over its control channel and resolves with its answer once the snapshot is on
 * disk (it is renamed into place whole), so the successor restores while the old process tears down.
 * `exited` resolves when the old process's end of the channel closes.
 */
async function requestFreeze(
  config: DeploymentConfig,
  gameId: number,
  timeoutMs: number,
): Promise<{ outcome: 'frozen' | 'failed' | 'timeout' | 'gone'; message: string; steps: string[]; exited: Promise<void>; close(): void }> {
  const steps: string[] = [];
  let request;
  try {
    request = await controlRequest(controlSocketPath(runDir(config.baseDir), 'game', gameId), { cmd: 'freeze' }, (e) => {
      if (e.event === 'freeze') steps.push(String(e.state));
    });
  } catch (err) {
    return { outcome: 'gone', message: (err as Error).message, steps, exited: Promise.resolve(), close: () => undefined };
  }
  const { close } = request;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const answer = await Promise.race([request.done.catch((err: Error) => err), timeout]);
  clearTimeout(timer);
  if (answer === 'timeout') return { outcome: 'timeout', message: `no answer within ${timeoutMs} ms`, steps, exited: request.closed, close };
  if (answer instanceof Error) return { outcome: 'gone', message: answer.message, steps, exited: request.closed, close };
  return { outcome: answer.ok ? 'frozen' : 'failed', message: String(answer.message ?? ''), steps, exited: request.closed, close };
}

/** The frozen process exits by itself once its links and storage are closed; one that hangs is killed. */
async function reapFrozen(record: ProcessRecord, exited: Promise<void>, say: (line: string) => void): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 10_000)));
  const result = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (result !== 'late') return;
  say(`game${record.id}: the frozen process ${record.pid} did not exit; killing it`);
  try {
    process.kill(record.pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

function replaceRecord(deploymentDir: string, state: RunState, record: ProcessRecord): void {
  const processes = state.processes.filter((p) => !(p.role === record.role && p.id === record.id));
  processes.push(record);
  state.processes = processes;
  writeRunState(deploymentDir, state);
}

interface SwapContext {
  config: DeploymentConfig;
  configPath: string;
  state: RunState;
  gameId: number;
  opts: ReloadOptions;
  say: (line: string) => void;
  dir: string;
}

/**
 * Level 1 for one game: successor in standby, freeze, restore, reap. Returns the exit code. `code` runs
 * a kept copy of the game code instead of the entry on disk (a rollback).
 */
async function processSwap(ctx: SwapContext, code: string | undefined): Promise<number> {
  const { config, configPath, state, opts, say, dir } = ctx;
  const game = { id: ctx.gameId };
  const record = state.processes.find((p) => p.role === 'game' && p.id === game.id);
  const snapshot = snapshotPath(config.hotswap.snapshotDir, game.id);
  const running = record !== undefined && (await isOurProcess(record));
  if (opts.resume && running) return 0;
  if (!opts.resume && !running) {
    process.stderr.write(`tsworld reload: game${game.id} is not running; use --resume to restore it from ${snapshot}\n`);
    return 1;
  }
  if (opts.resume && !existsSync(snapshot)) {
    process.stderr.write(`tsworld reload --resume: game${game.id} is not running and has no snapshot at ${snapshot}\n`);
    return 1;
  }
  const logFile = join(config.logging.dir, `game${game.id}.log`);
  const retry = `Fix the code, then run: tsworld reload ${dir} --resume`;

  // The successor starts first and loads the new code while the old game still serves: the pause
  // then covers only freeze, snapshot and restore, not Node's start-up and TypeScript compilation.
  let successor: SpawnedRole;
  let exited: Promise<void> = Promise.resolve();
  let closeControl: () => void = () => undefined;
  try {
    successor = await spawnRole({
      role: 'game', id: game.id, configPath, logFile, foreground: false, readyTimeoutMs: 60_000,
      extraArgs: ['--restore', ...(code ? ['--code', code] : [])], until: 'standby',
    });
  } catch (err) {
    process.stderr.write(`tsworld reload: the new code for game${game.id} failed to start, the old process keeps running: ${(err as Error).message}\n`);
    return 1;
  }
  if (!opts.resume) {
    if (existsSync(snapshot)) {
      // Left by an earlier failed reload, and older than the running game's state: set aside, not deleted.
      const aside = `${snapshot}.stale-${Date.now()}`;
      renameSync(snapshot, aside);
      say(`game${game.id}: an older snapshot was moved to ${aside}`);
    }
    const t0 = Date.now();
    const freeze = await requestFreeze(config, game.id, (opts.freezeTimeoutSec ?? 20) * 1000);
    exited = freeze.exited;
    closeControl = freeze.close;
    if (freeze.outcome !== 'frozen') {
      freeze.close();
      successor.child.kill('SIGKILL');
      process.stderr.write(
        `tsworld reload: game${game.id} did not freeze (${freeze.outcome}: ${freeze.message}); see ${record!.logFile}. ` +
          'If it is still running it resumed serving; nothing was swapped.\n',
      );
      return 1;
    }
    say(`game${game.id}: frozen in ${Date.now() - t0} ms (${freeze.steps.join(' → ')}), snapshot ${(statSync(snapshot).size / 1e6).toFixed(2)} MB`);
  }
  try {
    successor.child.send({ type: 'restore' });
    const ready = await awaitRoleMessage(successor.child, 'ready', 60_000, logFile);
    successor.child.disconnect();
    successor.child.unref();
    replaceRecord(config.baseDir, state, {
      role: 'game', id: game.id, pid: successor.child.pid!, logFile, startedAt: new Date().toISOString(),
      ...(record?.code ? { code: record.code } : {}),
    });
    say(`game${game.id}: restored by pid ${successor.child.pid} with the new code, pause ${ready.pauseMs ?? '?'} ms`);
    if (record && !opts.resume) await reapFrozen(record, exited, say);
  } catch (err) {
    process.stderr.write(
      `tsworld reload: restoring game${game.id} failed: ${(err as Error).message}\n` +
        `The snapshot is kept at ${snapshot}, and the dispatchers keep queueing game${game.id}'s packets ` +
        `for up to ${config.hotswap.freezeQueueMaxMs} ms. ${retry}\n`,
    );
    return 1;
  } finally {
    closeControl();
  }
  return 0;
}
