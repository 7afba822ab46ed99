import { parseArgs } from 'node:util';

/** Command-line contract between `tsworld start` and a role process (see cli/spawn-role.ts). */
export interface RoleArgs {
  configPath: string;
  id: number;
  foreground: boolean;
  restore: boolean;
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
    },
  });
  if (values.config === undefined) throw new Error('missing --config <path>');
  const id = Number(values.id);
  if (!Number.isInteger(id) || id < 1) throw new Error(`--id must be a positive integer, got '${values.id}'`);
  return {
    configPath: values.config, id, foreground: values.foreground, restore: values.restore,
    ...(values.code === undefined ? {} : { code: values.code }),
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

/** A role's main(): report startup failures on stderr (the CLI shows the log tail) and exit non-zero. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`fatal: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
