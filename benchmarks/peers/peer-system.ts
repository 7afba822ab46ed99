/** Tick durations over a window, in ms. */
export interface TickStats {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  samples: number;
}

/** One server running the peers workload for N bots, in processes of its own. */
export interface RunningSystem {
  /** Where the bots connect (tsworld: gate ws URLs; Colyseus: its ws endpoint). */
  readonly urls: readonly string[];
  /** Colyseus: the one room every bot joins. */
  readonly roomId?: string;
  /** The server's processes (bots excluded), by name, for CPU. */
  readonly pids: Readonly<Record<string, number>>;
  /** Starts a tick window; the returned function ends it. */
  tickWindow(): Promise<() => Promise<TickStats>>;
  stop(): Promise<void>;
}

export type SystemName = 'tsworld-all' | 'tsworld-aoi' | 'colyseus';

export interface PeerSystem {
  readonly name: SystemName;
  /** Which bot driver talks to it. */
  readonly client: 'tsworld' | 'colyseus';
  start(n: number): Promise<RunningSystem>;
}
