/** IPC between the fan-out suite and its client swarm process. */
export type SwarmRequest =
  /** Drops any previous clients, opens `count` new ones to `url`, zeroes the counters. */
  | { op: 'connect'; url: string; count: number }
  /** Reply 'reached' once `total` messages (since connect) have arrived, across all clients. */
  | { op: 'expect'; total: number };

export type SwarmReply =
  | { op: 'connected'; count: number }
  | { op: 'reached'; total: number; bytes: number; perClientMin: number; perClientMax: number }
  | { op: 'failed'; error: string };
