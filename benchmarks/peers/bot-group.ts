import type { WalkArea } from '../../src/testing/bots/index.ts';

export interface BotGroupOptions {
  urls: readonly string[];
  roomId?: string;
  count: number;
  seed: number;
  area: WalkArea;
  /** tsworld only: each bot also calls crossCall (answered from another game) at the echo rate. */
  crossCalls?: boolean;
}

/** What a group of bots saw since its last mark. */
export interface BotWindow {
  /** Echo round trips answered in the window, ms. */
  rtts: number[];
  /** crossCall round trips answered in the window, ms; empty unless the group was started with crossCalls. */
  crossRtts: number[];
  /** WebSocket payload bytes received by all the group's clients. */
  bytes: number;
  windowMs: number;
  clients: number;
  /** Other players the clients had in view at collect, summed over the clients. */
  inView: number;
  /** Closes nobody asked for, server errors. */
  problems: string[];
}

export interface BotGroup {
  mark(): void;
  collect(): BotWindow;
  close(): Promise<void>;
}
