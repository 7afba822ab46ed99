import type { BotRecord } from './bot.ts';

export interface ChannelSummary {
  readonly sent: number;
  readonly received: number;
  /** Sent but not (yet) answered. */
  readonly missing: number;
  readonly rttMedianMs: number;
  readonly rttP95Ms: number;
  readonly rttMaxMs: number;
}

/** A fleet's figures plus every broken invariant; `problems` is empty for a healthy run. */
export interface FleetReport {
  readonly bots: number;
  /** From the first send to the report (or to stopSending, if called). */
  readonly sendingMs: number;
  readonly channels: Readonly<Record<string, ChannelSummary>>;
  readonly movesSent: number;
  readonly disconnects: number;
  /** With `reconnect`: drops the bots came back from, and how many of them resumed the same player. */
  readonly reconnects: number;
  readonly resumes: number;
  readonly serverErrors: number;
  /** Bots that were told of at least one other entity / got position records for one. */
  readonly botsSeeingOthers: number;
  readonly botsWithPositionUpdates: number;
  readonly positionUpdates: number;
  readonly medianEntitiesSeen: number;
  /**
   * Human-readable, one line each: replies out of order, duplicated, never sent or missing; unexpected
   * disconnects (with code and reason); errors the server sent. At most `maxProblems` lines.
   */
  readonly problems: readonly string[];
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export function quantile(values: readonly number[], q: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Builds the report; missing replies count as problems, so call it after `drain()`. */
export function buildReport(bots: readonly BotRecord[], sendingMs: number, maxProblems = 50): FleetReport {
  const problems: string[] = [];
  let truncated = 0;
  const problem = (text: string): void => {
    if (problems.length < maxProblems) problems.push(text);
    else truncated++;
  };
  const channels: Record<string, ChannelSummary> = {};
  const names = new Set(bots.flatMap((b) => [...b.channels.keys()]));
  for (const name of names) {
    let sent = 0;
    let received = 0;
    let missing = 0;
    const rtts: number[] = [];
    for (const bot of bots) {
      const rec = bot.channels.get(name);
      if (!rec) continue;
      sent += rec.track.sent;
      received += rec.track.received;
      missing += rec.track.sent - rec.track.answered;
      for (const r of rec.replies) rtts.push(r.rttMs);
      for (const v of rec.track.violations) problem(`bot ${bot.index} ${name}: ${v}`);
      const gaps = rec.track.missing(5);
      if (gaps.length > 0) {
        problem(`bot ${bot.index} ${name}: ${rec.track.sent - rec.track.answered} of ${rec.track.sent} unanswered, first ${gaps.join(', ')}`);
      }
    }
    channels[name] = { sent, received, missing, rttMedianMs: median(rtts), rttP95Ms: quantile(rtts, 0.95), rttMaxMs: quantile(rtts, 1) };
  }
  for (const bot of bots) {
    for (const d of bot.disconnects) problem(`bot ${bot.index} disconnected at ${Math.round(d.atMs)} ms: ${d.code} ${d.reason}`);
    for (const e of bot.errors) problem(`bot ${bot.index} got server error ${e.code}: ${e.message}`);
    for (const reason of bot.resumeFailures) problem(`bot ${bot.index} reconnected without its player: ${reason}`);
  }
  if (truncated > 0) problems.push(`(${truncated} more problems not listed)`);
  return {
    bots: bots.length,
    sendingMs,
    channels,
    movesSent: bots.reduce((n, b) => n + b.movesSent, 0),
    disconnects: bots.reduce((n, b) => n + b.disconnects.length, 0),
    reconnects: bots.reduce((n, b) => n + b.reconnects, 0),
    resumes: bots.reduce((n, b) => n + b.resumes, 0),
    serverErrors: bots.reduce((n, b) => n + b.errors.length, 0),
    botsSeeingOthers: bots.filter((b) => b.seen.size > 0).length,
    botsWithPositionUpdates: bots.filter((b) => b.positionUpdates > 0).length,
    positionUpdates: bots.reduce((n, b) => n + b.positionUpdates, 0),
    medianEntitiesSeen: median(bots.map((b) => b.seen.size)),
    problems,
  };
}
