import { Cron } from 'croner';
import { TsworldError } from './errors.ts';

/**
 * Cron expressions, parsed by croner (5 fields, or 6 with seconds first; names such as MON and JAN;
 * `@daily` and friends), always in UTC so that every game of a deployment reads an entry the same way
 * whatever its host's time zone. Parsed patterns are kept per world, by expression.
 */
export interface CronBook {
  /** Throws INVALID_ARGUMENT, with croner's reason, for an expression that does not parse or never fires. */
  check(expr: string, wallNow: number): void;
  /** Wall-clock ms of the first run strictly after `afterWallMs`; null when there is none. */
  next(expr: string, afterWallMs: number): number | null;
}

export function createCronBook(): CronBook {
  const parsed = new Map<string, Cron>();
  const patternOf = (expr: string): Cron => {
    let cron = parsed.get(expr);
    if (cron === undefined) {
      if (typeof expr !== 'string' || expr.trim() === '') throw new TsworldError('INVALID_ARGUMENT', 'a cron expression is a non-empty string');
      try {
        cron = new Cron(expr, { paused: true, timezone: 'UTC' });
      } catch (cause) {
        throw new TsworldError('INVALID_ARGUMENT', `bad cron expression ${JSON.stringify(expr)}: ${(cause as Error).message}`, { cause });
      }
      parsed.set(expr, cron);
    }
    return cron;
  };
  const next = (expr: string, afterWallMs: number): number | null => patternOf(expr).nextRun(new Date(afterWallMs))?.getTime() ?? null;
  return {
    check(expr, wallNow) {
      if (next(expr, wallNow) === null) throw new TsworldError('INVALID_ARGUMENT', `cron expression ${JSON.stringify(expr)} never fires`);
    },
    next,
  };
}
