import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_EXT, engineNodeFlags } from '../core/engine-files.ts';
import { TsworldError } from '../core/errors.ts';
import type { Role } from './run-state.ts';

/** What a role process reports over IPC once it serves (see roles/shared/ready.ts). */
export interface ReadyMessage {
  type: 'ready';
  url?: string;
  listen?: string;
  /** A restored game: ms from the old process's last tick to this one's first. */
  pauseMs?: number;
}

export interface SpawnedRole {
  child: ChildProcess;
  ready: ReadyMessage;
}

export interface SpawnRoleOptions {
  role: Role;
  id: number;
  configPath: string;
  logFile: string;
  /**
   * Foreground children stream their output to the CLI and exit when it goes away (IPC disconnect);
   * daemon children write to their log file and outlive it. Both get their own process group, so a
   * Ctrl-C reaches only the CLI, which then stops the roles in order (gates, games, dispatchers).
   */
  foreground: boolean;
  readyTimeoutMs: number;
  /** Extra role arguments, e.g. `--restore` for hot swap. */
  extraArgs?: string[];
  /**
   * The IPC message that counts as started: 'ready' (serving), or 'standby' (a hot-swap successor that
   * has loaded its code and waits for the snapshot; see `awaitRoleMessage`).
   */
  until?: 'ready' | 'standby';
  onOutput?: (chunk: Buffer) => void;
}

const srcDir = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * Role entry files, resolved from this module so the CLI works from any working directory: main.ts from
 * sources, the compiled main.js next to it in an installed package.
 */
export function roleMain(role: Role): string {
  return join(srcDir, 'roles', role, `main${ENGINE_EXT}`);
}

/**
 * `TSWORLD_NODE_FLAGS`: Node flags for every role process, split on whitespace; for what NODE_OPTIONS
 * refuses, such as `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile a running cluster.
 */
export function operatorNodeFlags(env: NodeJS.ProcessEnv): string[] {
  return (env['TSWORLD_NODE_FLAGS'] ?? '').split(/\s+/).filter((flag) => flag.length > 0);
}

/**
 * Starts one role process and resolves once it says it is ready. A child that exits, or stays silent past
 * the timeout, rejects with the tail of its log so the operator sees why without hunting for files.
 */
export function spawnRole(opts: SpawnRoleOptions): Promise<SpawnedRole> {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const args = [
    ...engineNodeFlags(),
    ...operatorNodeFlags(process.env),
    roleMain(opts.role),
    '--config',
    opts.configPath,
    '--id',
    String(opts.id),
    '--log-file',
    opts.logFile,
    ...(opts.foreground ? ['--foreground'] : []),
    // The role prints to a pipe this CLI reads: it colours its lines when this CLI's terminal would show them.
    ...(opts.foreground && process.stdout.isTTY === true ? ['--color'] : []),
    ...(opts.extraArgs ?? []),
  ];
  // The role writes its log file itself (JSON lines, rotated); a daemon's stdout and stderr, normally
  // empty, go to <name>.out beside it (what Node or native code prints outside the logger).
  const logFd = opts.foreground ? undefined : openSync(outFile(opts.logFile), 'a');
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: opts.foreground ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', logFd, logFd, 'ipc'],
  });
  if (logFd !== undefined) closeSync(logFd);
  if (opts.onOutput) {
    child.stdout?.on('data', opts.onOutput);
    child.stderr?.on('data', opts.onOutput);
  }

  const name = `${opts.role}${opts.id}`;
  return awaitRoleMessage(child, opts.until ?? 'ready', opts.readyTimeoutMs, opts.logFile).then(
    (ready) => ({ child, ready }),
    (err: Error) => {
      child.kill('SIGKILL');
      throw new TsworldError('INVALID_STATE', `${name} failed to start: ${err.message}`, { cause: err });
    },
  );
}

function isMessage(msg: unknown, type: string): boolean {
  return typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === type;
}

/** Waits for one IPC message of `type` from a spawned role; rejects if it exits or stays silent. */
export function awaitRoleMessage(child: ChildProcess, type: string, timeoutMs: number, logFile: string): Promise<ReadyMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: unknown): void => {
      if (!isMessage(msg, type)) return;
      cleanup();
      resolve(msg as ReadyMessage);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      reject(new TsworldError('INVALID_STATE', `exited with ${signal ?? `code ${code}`} before sending '${type}'${logTail(logFile)}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      child.kill('SIGKILL');
      reject(new TsworldError('INVALID_STATE', `no '${type}' after ${timeoutMs} ms${logTail(logFile)}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** `game1.log` → `game1.out`: a daemonized role's raw stdout and stderr. */
export function outFile(logFile: string): string {
  return logFile.replace(/\.log$/, '') + '.out';
}

function logTail(logFile: string): string {
  return [logFile, outFile(logFile)].map(fileTail).join('');
}

function fileTail(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-15);
    return lines.length > 0 && lines[0] !== '' ? `\n--- last lines of ${file} ---\n${lines.join('\n')}` : '';
  } catch {
    return '';
  }
}
