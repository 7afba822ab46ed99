import type { LogFn, Logger } from '../../src/observability/index.ts';

export interface CapturedLine {
  readonly level: string;
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

/** A Logger that keeps every line in memory, so a test can count what a flood costs in log lines. */
export function createCaptureLog(): Logger & { readonly lines: CapturedLine[] } {
  const lines: CapturedLine[] = [];
  const at = (level: string): LogFn =>
    ((a: string | Record<string, unknown>, b?: string) => {
      if (typeof a === 'string') lines.push({ level, fields: {}, message: a });
      else lines.push({ level, fields: a, message: b ?? '' });
    }) as LogFn;
  const log: Logger & { lines: CapturedLine[] } = {
    lines,
    level: 'trace',
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    isLevelEnabled: () => true,
    child: () => log,
  };
  return log;
}
