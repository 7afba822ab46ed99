import type { StorageSpec } from '../storage/open-storage.ts';
import type { LOG_LEVELS } from './deployment-schema.ts';

/**
 * The validated deployment, with every default applied and every path absolute. This is what roles and
 * the CLI receive; nothing downstream reads the raw file.
 */
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ProcessConfig {
  readonly id: number;
  /** Serve Prometheus `/metrics`, `/health` and `/ready` at this port (0: ephemeral); absent: no metrics server. */
  readonly metricsPort?: number;
  /** The address the metrics server binds (entry's `metricsHost`, else the top-level one, else 127.0.0.1). */
  readonly metricsHost: string;
  /** This process's log level (the `logging.level` unless overridden on the entry). */
  readonly logLevel: LogLevel;
  /** The `hosts` entry this process runs on (absent without a hosts section: it runs where `tsworld start` runs). */
  readonly hostName?: string;
}

export interface DispatcherConfig extends ProcessConfig {
  readonly host: string;
  readonly port: number;
  /** How long an entity being created or loaded may stay unconfirmed before its frames are dropped. */
  readonly pendingTimeoutMs: number;
  /** How long frames for an id no game has announced are held before they are dropped. */
  readonly unplacedTimeoutMs: number;
  readonly maxHeldPerEntity: number;
  /** Bounds on entries and frames held for ids no game has announced (per sending game, and in all). */
  readonly maxPendingPerSender: number;
  readonly maxPendingTotal: number;
  readonly maxPendingHeldFrames: number;
  readonly maxPendingHeldBytes: number;
  /** How long the entities of a game declared down are remembered, so calls to them fail at once. */
  readonly lostEntityTtlMs: number;
}

export interface GameConfig extends ProcessConfig {
  readonly tickHz: number;
  readonly saveIntervalSec: number;
  /** A failed save or KV put is retried with backoff up to this delay between attempts. */
  readonly saveRetryMaxDelayMs: number;
  /** A stop waits this long for saves still being retried (a storage outage), then says what it lost. */
  readonly stopSaveTimeoutMs: number;
  /** Position/yaw sync rate to clients; at most tickHz, since sync is sent from the tick. */
  readonly positionSyncHz: number;
  /** Entity type created when the game starts (GoWorld's boot_entity). */
  readonly bootEntity?: string;
  /** A dispatcher link degraded this long makes the game refuse new boot entities and placements. */
  readonly overloadRefuseAfterMs: number;
  /** Position sync to a degraded destination runs at positionSyncHz / this. */
  readonly degradedSyncDivisor: number;
  /** Clients that see their whole space share one encoded position batch (SPEC.md, "Shared position batches"). */
  readonly sharedPositionBatches: boolean;
}

export interface GateConfig extends ProcessConfig {
  readonly host: string;
  readonly port: number;
  /** Largest WebSocket message accepted from a client, in bytes. */
  readonly maxPayload: number;
  readonly heartbeatTimeoutMs: number;
  readonly maxMessagesPerSecond: number;
  /** Sustained bytes per second from one client (bursts up to one second's worth). */
  readonly maxBytesPerSecond: number;
  /** The pre-login idle timeout: a connection that has not sent HELLO in this long is closed. */
  readonly handshakeTimeoutMs: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly connectsPerIpPerSec: number;
  readonly connectBurstPerIp: number;
  readonly maxTrackedIps: number;
  /** Allowed Origin headers; empty: any. */
  readonly allowedOrigins: readonly string[];
  /** Nesting depth and element count of one call's arguments. */
  readonly maxArgDepth: number;
  readonly maxArgElements: number;
  readonly clientSendBufferBytes: number;
  /** Bytes queued for one client above which its position stream is coalesced (newest per entity). */
  readonly clientCoalesceBytes: number;
  /** Descriptors kept free below the soft RLIMIT_NOFILE: the connection cap is the limit minus this. */
  readonly fdReserve: number;
  /** While a dispatcher link is degraded, client positions to it are coalesced and sent at most this often. */
  readonly degradedPositionIntervalMs: number;
  /** Client positions alone wait up to this long for the next write to their dispatcher; 0 sends each turn's at once. */
  readonly positionFlushIntervalMs: number;
  /** Other entities' creates and destroys wait up to this long for the client's next write; 0 sends each turn's at once. */
  readonly viewChangeHoldMs: number;
  /** Open requests per client (TOO_MANY_REQUESTS above), and the gate's wait for each answer (TIMEOUT). */
  readonly maxPendingRequests: number;
  readonly requestTimeoutMs: number;
  /** Directory served over HTTP by the gate (a browser client page), absolute. */
  readonly staticDir?: string;
}

export interface SupervisionConfig {
  /** Off: a crashed process stays down (a test of what the supervisor would hide, or an outside supervisor). */
  readonly enabled: boolean;
  readonly maxRestarts: number;
  readonly withinSec: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /** A process that does not answer its control socket's ping for this long is hung: killed, then restarted. */
  readonly hangTimeoutMs: number;
}

export interface HotswapConfig {
  /** The dispatcher refuses a freeze whose queue would grow beyond this many packets... */
  readonly freezeQueueMaxPackets: number;
  /** ...or last longer than this; the frozen game is then considered failed. */
  readonly freezeQueueMaxMs: number;
  readonly snapshotDir: string;
  /** A reload is reported complete only after the new code ran this long (ms)... */
  readonly probationMs: number;
  /** ...with at most this many errors of game code; past it, the reload failed (and rolls back). */
  readonly probationMaxErrors: number;
}

export interface DeploymentConfig {
  /** Absolute path of the file this came from (undefined when validated from an in-memory object). */
  readonly configPath?: string;
  /** Directory relative paths were resolved against. */
  readonly baseDir: string;
  readonly deployment: string;
  /** Absolute path of the game module that registers entity types. */
  readonly entry: string;
  readonly dispatchers: readonly DispatcherConfig[];
  readonly games: readonly GameConfig[];
  readonly gates: readonly GateConfig[];
  readonly storage: StorageSpec;
  readonly kv: StorageSpec;
  readonly hotswap: HotswapConfig;
  /** maxFileBytes: a process's log file rotates at this size; maxFiles: rotated files kept besides it. */
  readonly logging: { readonly level: LogLevel; readonly dir: string; readonly maxFileBytes: number; readonly maxFiles: number };
  /** Backlog bounds of every internal link (degraded above the high watermark, failed past maxPendingBytes). */
  readonly links: {
    readonly highWatermarkBytes: number;
    readonly lowWatermarkBytes: number;
    readonly maxPendingBytes: number;
    /** While a dispatcher is gone (restarting), a game or gate parks its frames for it up to this... */
    readonly reconnectQueueMaxBytes: number;
    /** ...and this long; past either it gives the dispatcher up (and exits, as before reconnects). */
    readonly reconnectQueueMaxMs: number;
    /** How long a save may hold the acknowledgement (LINK_ACK) of the call that started it. */
    readonly ackHoldMaxMs: number;
    /** Bytes written and not acknowledged past which a link fails: its peer reads but never acknowledges. */
    readonly maxUnackedBytes: number;
  };
  /** The machines of a multi-host deployment, by name (empty without a hosts section). */
  readonly hosts: Readonly<Record<string, { readonly address: string }>>;
  /** Internal links' authentication; `secret` undefined: none (allowed only with every dispatcher on loopback). */
  readonly cluster: { readonly secret?: string };
  /** gateDefaults.resumeGraceMs: how long an entity keeps a client whose connection dropped (the games enforce it). */
  readonly resumeGraceMs: number;
  /** Heartbeats on every internal link, and the silence after which a peer is declared down. */
  readonly liveness: { readonly heartbeatMs: number; readonly timeoutMs: number };
  /** The per-host supervisor: restart with backoff, at most maxRestarts per process within withinSec. */
  readonly supervision: SupervisionConfig;
}
