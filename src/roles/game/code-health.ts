/**
 * Errors of game code (systems, hooks, RPC handlers, tick phases) counted since a mark: the mark is set
 * when new code starts running (a restore, an in-place swap), so a reload's probation asks "how many
 * errors since the new code took over, and what was the first". The first error keeps its stack: it is
 * what `tsworld reload` shows when it reports a failed probation.
 */
export interface CodeHealthReport {
  readonly errors: number;
  /** Milliseconds since the mark. */
  readonly sinceMs: number;
  readonly first: { readonly where: string; readonly message: string; readonly stack: string } | null;
}

export interface CodeHealth {
  record(error: unknown, where: string): void;
  mark(): void;
  report(): CodeHealthReport;
}

export function createCodeHealth(now: () => number): CodeHealth {
  let markedAt = now();
  let errors = 0;
  let first: CodeHealthReport['first'] = null;
  return {
    record(error, where) {
      errors++;
      if (first) return;
      const err = error instanceof Error ? error : new Error(String(error));
      first = { where, message: err.message, stack: err.stack ?? err.message };
    },
    mark() {
      markedAt = now();
      errors = 0;
      first = null;
    },
    report: () => ({ errors, sinceMs: Math.round(now() - markedAt), first }),
  };
}
