/**
 * OTP's restart intensity: at most `maxRestarts` restarts of one process within `withinMs`; one more and
 * the supervisor gives up on it, loudly, rather than restarting a process that cannot stay up for ever.
 * Between restarts it waits, doubling from `backoffMs` up to `maxBackoffMs` with each restart still in
 * the window, so a crash loop slows down instead of spinning.
 */
export interface RestartPolicySettings {
  readonly maxRestarts: number;
  readonly withinMs: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

export type RestartDecision =
  | { readonly action: 'restart'; readonly delayMs: number; readonly recent: number }
  | { readonly action: 'give-up'; readonly recent: number };

export interface RestartPolicy {
  /** A process (by name) died at `now`: restart it after `delayMs`, or give up. */
  decide(name: string, now: number): RestartDecision;
}

export function createRestartPolicy(settings: RestartPolicySettings): RestartPolicy {
  const history = new Map<string, number[]>();
  return {
    decide(name, now) {
      const recent = (history.get(name) ?? []).filter((t) => now - t < settings.withinMs);
      if (recent.length >= settings.maxRestarts) {
        history.set(name, recent);
        return { action: 'give-up', recent: recent.length };
      }
      const delayMs = Math.min(settings.maxBackoffMs, settings.backoffMs * 2 ** recent.length);
      recent.push(now);
      history.set(name, recent);
      return { action: 'restart', delayMs, recent: recent.length };
    },
  };
}
