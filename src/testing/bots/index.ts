/** Bot load for tests and benchmarks: N SDK clients that move and make sequence-numbered calls, with checks. */
export { runBots, defaultChannels } from './run-bots.ts';
export type { BotFleet, RunBotsOptions } from './run-bots.ts';
export type { BotChannel, BotRecord, BotReply, ChannelRecord, Disconnect, WalkArea } from './bot.ts';
export { buildReport, median, quantile } from './report.ts';
export type { ChannelSummary, FleetReport } from './report.ts';
export { createSeqTrack } from './seq-track.ts';
export type { SeqTrack } from './seq-track.ts';
