import type { ProcessLogger } from '../../observability/index.ts';

/**
 * The last line of defence of a role process: an unhandled promise rejection or an uncaught exception
 * is logged as one structured fatal line with its stack (through the role's logger, into its log file),
 * flushed, and the process exits 1, instead of Node printing raw text to stderr and exiting. Every known
 * source (storage writes, KV calls) handles its own failures; reaching this is a bug, and the line says
 * where.
 */
export function installFatalHandlers(log: ProcessLogger): void {
  let exiting = false;
  const fatal = (kind: 'unhandledRejection' | 'uncaughtException', err: unknown): void => {
    const error = err instanceof Error ? err : new Error(`non-error thrown: ${String(err)}`);
    log.fatal({ err: error, kind }, `${kind}: ${error.message}`);
    if (exiting) return;
    exiting = true;
    log.flush().finally(() => process.exit(1));
  };
  process.on('unhandledRejection', (reason) => fatal('unhandledRejection', reason));
  process.on('uncaughtException', (err) => fatal('uncaughtException', err));
}
