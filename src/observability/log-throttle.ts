import type { Logger } from './logger.ts';

/**
 * Rate-limited logging for events an outsider can trigger at will (refused connections, bad input,
 * frames for unknown entities): the first event of a key is logged at once, later ones within
 * `intervalMs` are only counted, and the next line carries how many were suppressed. A flood then
 * costs one log line per key per interval instead of one per event.
 */
export interface LogThrottle {
  /** Logs `message` at `level` with `fields` unless `key` logged within the interval. */
  log(level: 'info' | 'warn' | 'error', key: string, fields: Record<string, unknown>, message: string): void;
}

export function createLogThrottle(options: { log: Logger; now: () => number; intervalMs?: number; maxKeys?: number }): LogThrottle {
  const intervalMs = options.intervalMs ?? 5000;
  // Keys are a small fixed set in practice (a limit name, a fault); the bound keeps a bug from leaking.
  const maxKeys = options.maxKeys ?? 1024;
  const state = new Map<string, { at: number; suppressed: number }>();
  return {
    log(level, key, fields, message) {
      const t = options.now();
      const entry = state.get(key);
      if (entry !== undefined && t - entry.at < intervalMs) {
        entry.suppressed++;
        return;
      }
      const suppressed = entry?.suppressed ?? 0;
      if (entry === undefined && state.size >= maxKeys) state.clear();
      state.set(key, { at: t, suppressed: 0 });
      options.log[level](suppressed > 0 ? { ...fields, suppressed } : fields, message);
    },
  };
}
