import type { EntityIdGenerator } from '../../core/entity-id.ts';
import type { Logger, Metrics } from '../../observability/index.ts';
import type { ArgLimits, WireCodec } from '../../protocol/index.ts';
import type { ClientTransport, LinkLimits } from '../../transport/index.ts';
import type { FdLimit } from './fd-limit.ts';
import type { LivenessSettings } from '../shared/link-liveness.ts';
import type { RoleRuntime } from '../shared/runtime.ts';
import type { AdmissionLimits } from './admission.ts';
import type { ResumeTokens } from './resume-token.ts';

/** Every limit the gate enforces on clients; each has a config key and a default (src/config/README.md). */
export interface GateEdgeLimits extends AdmissionLimits, ArgLimits {
  readonly maxPayload: number;
  readonly heartbeatTimeoutMs: number;
  readonly maxMessagesPerSecond: number;
  readonly maxBytesPerSecond: number;
  /** A connection that has not sent HELLO within this is closed (4009); it never had game state. */
  readonly handshakeTimeoutMs: number;
  /** Bytes queued for one client before it is dropped as too slow (4007). */
  readonly clientSendBufferBytes: number;
  /** Bytes queued for one client above which its position stream is coalesced; default DEFAULTS.gate. */
  readonly clientCoalesceBytes?: number;
  /** While a dispatcher link is degraded, client positions to it go at most this often; default DEFAULTS.gate. */
  readonly degradedPositionIntervalMs?: number;
  /** Client positions with nothing else to go with wait up to this long for a write; default DEFAULTS.gate. */
  readonly positionFlushIntervalMs?: number;
  /** Other entities' creates and destroys wait up to this long for the client's next write; default DEFAULTS.gate. */
  readonly viewChangeHoldMs?: number;
  /** Open requests per client, and how long the gate waits for each one's answer; defaults DEFAULTS.gate. */
  readonly maxPendingRequests?: number;
  readonly requestTimeoutMs?: number;
  /** Descriptors kept free below RLIMIT_NOFILE when capping connections; default DEFAULTS.gate. */
  readonly fdReserve?: number;
}

export interface GateServerOptions {
  id: number;
  host: string;
  port: number;
  dispatchers: readonly { host: string; port: number }[];
  transport: ClientTransport;
  codec: WireCodec;
  log: Logger;
  ids: EntityIdGenerator;
  limits: GateEdgeLimits;
  staticDir?: string;
  metrics?: Metrics;
  /** Backlog bounds of the dispatcher links (the config's `links`); default DEFAULTS.links. */
  links?: LinkLimits;
  /** What is parked for a dispatcher that is gone, and for how long (the config's `links`); defaults DEFAULTS.links. */
  reconnectQueue?: { reconnectQueueMaxBytes?: number; reconnectQueueMaxMs?: number };
  /** The soft descriptor limit, read at start (fd-limit.ts); tests pass their own. */
  fdLimit?: FdLimit;
  /** The gate cannot go on (a dispatcher is gone; its clients were closed): the process should exit. */
  onFatal?: (reason: string) => void;
  /** Clock, timers and link network (systemRuntime() in a process, a fake one in createTestCluster). */
  /** Heartbeats to the dispatchers and the silence after which one is lost; default DEFAULTS.liveness. */
  liveness?: LivenessSettings;
  /** The cluster secret this process proves on every dispatcher link (SPEC.md, "Link authentication"); undefined: none. */
  clusterSecret?: string;
  runtime: RoleRuntime;
  /**
   * Signs and checks resume tokens with the key all gates of the deployment share (resume-key.ts).
   * Undefined: no token is issued and a RESUME gets a new boot entity.
   */
  resumeTokens?: ResumeTokens;
}

export interface GateServer {
  readonly port: number;
  readonly url: string;
  readonly clientCount: number;
  stop(): Promise<void>;
}
