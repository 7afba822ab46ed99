import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

/** Command-line contract between `tsworld start` and a role process (see cli/spawn-role.ts). */
export interface RoleArgs {
  configPath: string;
  id: number;
  foreground: boolean;
  restore: boolean;
  /** Where this process writes its JSON-lines log (the CLI passes it); default logs dir/<role><id>.log. */
  logFile?: string;
  /** Colour the foreground's pretty lines: the CLI's own terminal is a TTY. */
  color: boolean;
  /** Game code to run instead of the config's entry: a kept copy, when a reload rolls back. */
  code?: string;
}

export function parseRoleArgs(argv: string[]): RoleArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      id: { type: 'string' },
      foreground: { type: 'boolean', default: false },
      restore: { type: 'boolean', default: false },
      code: { type: 'string' },
      'log-file': { type: 'string' },
      color: { type: 'boolean', default: false },
    },
  });
  if (values.config === undefined) throw new Error('missing --config <path>');
  const id = Number(values.id);
  if (!Number.isInteger(id) || id < 1) throw new Error(`--id must be a positive integer, got '${values.id}'`);
  return {
    configPath: values.config, id, foreground: values.foreground, restore: values.restore, color: values.color,
    ...(values.code === undefined ? {} : { code: values.code }),
    ...(values['log-file'] === undefined ? {} : { logFile: values['log-file'] }),
  };
}

/** Exit code of a game that froze itself for a hot swap: not a crash, its successor restores the snapshot. */
export const EXIT_FROZEN = 75;

/** Exit code of a game that stood still past the liveness timeout and exited without saving. */
export const EXIT_FENCED = 76;

/** Tells the CLI this process serves. Without an IPC channel (started by hand) it is a no-op. */
export function notifyReady(info: { url?: string; listen?: string; pauseMs?: number }): void {
  process.send?.({ type: 'ready', ...info });
  // A daemonized role must outlive the CLI that started it; the CLI disconnects after "ready".
}

/**
 * Runs `stop` once on SIGTERM/SIGINT, or when a foreground parent goes away (its IPC channel closes),
 * then exits. A second signal exits at once: an operator pressing Ctrl-C twice means it.
 */
export function onShutdown(foreground: boolean, stop: (reason: string) => Promise<void>): void {
  let stopping = false;
  const run = (reason: string): void => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    stop(reason).then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${(err as Error).stack ?? String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => run('SIGTERM'));
  process.on('SIGINT', () => run('SIGINT'));
  if (foreground) process.on('disconnect', () => run('parent exited'));
}

/**
 * A role's main(): a startup failure is one JSON line (pino's shape, level 60), appended to the log file
 * the CLI named and written to stderr, and the process exits non-zero. The logger may not exist yet (a
 * config that does not load), so the line is written here, synchronously.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const line = fatalLine(err);
    const file = logFileArg(process.argv.slice(2));
    if (file !== undefined) {
      try {
        mkdirSync(dirname(file), { recursive: true });
        appendFileSync(file, line);
      } catch {
        // stderr below still has it
      }
    }
    process.stderr.write(line);
    process.exit(1);
  });
}

function fatalLine(err: unknown): string {
  const error = err instanceof Error ? err : new Error(String(err));
  const role = /roles[\\/](\w+)[\\/]main\.[jt]s$/.exec(process.argv[1] ?? '')?.[1];
  const id = Number(/--id[= ](\d+)/.exec(process.argv.join(' '))?.[1]);
  return `${JSON.stringify({
    level: 60, time: new Date().toISOString(), pid: process.pid, role, id: Number.isInteger(id) ? id : undefined,
    err: { type: error.name, message: error.message, stack: error.stack }, msg: `failed to start: ${error.message}`,
  })}\n`;
}

function logFileArg(argv: string[]): string | undefined {
  const i = argv.indexOf('--log-file');
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--log-file='))?.slice('--log-file='.length);
}
