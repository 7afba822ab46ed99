import type { AoiIndexFactory } from '../../aoi/aoi-index.ts';
import type { GameWorld } from '../../core/world-api.ts';
import type { Logger, Metrics } from '../../observability/index.ts';
import type { WireCodec } from '../../protocol/index.ts';
import type { EntityStorage, KvStore } from '../../storage/index.ts';
import type { TickLoop, TickReport } from '../../tick/tick-loop.ts';
import type { LinkLimits } from '../../transport/index.ts';
import type { LivenessSettings } from '../shared/link-liveness.ts';
import type { RoleRuntime } from '../shared/runtime.ts';
import type { FreezeOutcome, FreezeState } from './game-freeze.ts';
import type { CodeHealth } from './code-health.ts';
import type { GameModule } from './game-module.ts';

export interface GameServerOptions {
  id: number;
  dispatchers: readonly { host: string; port: number }[];
  module: GameModule;
  tickHz: number;
  positionSyncHz: number;
  saveIntervalSec: number;
  /** Cap of the backoff between attempts of a failed save or KV put; default DEFAULTS.game. */
  saveRetryMaxDelayMs?: number;
  /** How long a stop waits for saves still being retried; default DEFAULTS.game. */
  stopSaveTimeoutMs?: number;
  storage: EntityStorage;
  kv: KvStore;
  codec: WireCodec;
  log: Logger;
  aoiFactory: AoiIndexFactory;
  metrics?: Metrics;
  /** The game cannot go on (a dispatcher is gone): the process should save, stop and exit. */
  onFatal?: (reason: string) => void;
  /**
   * This game stood still past the liveness timeout and was declared down: the process must exit
   * without saving (its entities may live elsewhere now). Without it, the game only stops its loop.
   */
  onFenced?: (reason: string) => void;
  /** Heartbeats to the dispatchers and the silence after which one is lost; default DEFAULTS.liveness. */
  liveness?: LivenessSettings;
  /** The cluster secret this process proves on every dispatcher link (SPEC.md, "Link authentication"); undefined: none. */
  clusterSecret?: string;
  /** Backlog bounds of the dispatcher links (the config's `links`); defaults DEFAULTS.links. */
  links?: LinkLimits;
  /** What is parked for a dispatcher that is gone, and for how long (the config's `links`); defaults DEFAULTS.links. */
  reconnectQueue?: { reconnectQueueMaxBytes?: number; reconnectQueueMaxMs?: number; ackHoldMaxMs?: number };
  /** A dispatcher link degraded this long: new boot entities and placements go elsewhere. Default 5000. */
  overloadRefuseAfterMs?: number;
  /** Position sync to a degraded destination runs at positionSyncHz / this. Default 4. */
  degradedSyncDivisor?: number;
  /** One encoded position batch per space for the clients that see all of it; default true. */
  sharedPositionBatches?: boolean;
  /** How long a client whose connection dropped keeps its entity, waiting to resume; default DEFAULTS.gate. */
  resumeGraceMs?: number;
  /** Hot swap: restore the world from this snapshot instead of starting empty. */
  restoreFrom?: string;
  onTick?: (report: TickReport) => void;
  /** Each step of a freeze (hot swap) as it is entered. */
  onFreezeState?: (state: FreezeState, fields: Record<string, unknown>) => void;
  /** Clock, timers and link network (systemRuntime() in a process, a fake one in createTestCluster). */
  runtime: RoleRuntime;
}

export interface GameServer {
  readonly world: GameWorld;
  /** Errors of game code since the running code took over (a reload's probation reads it). */
  readonly health: CodeHealth;
  /** The game module it started with (an in-place rollback goes back to the one before a swap). */
  readonly module: GameModule;
  readonly loop: TickLoop;
  /** Resolves after the first tick (for a restored game: the end of its pause, in ms since the freeze). */
  readonly firstTick: Promise<{ pauseMs: number | null }>;
  /** Why it is not serving (starting, waiting for the deployment, freezing, stopping), or null: `/ready`. */
  serving(): string | null;
  /** Hot swap: queue at the dispatchers, finish in-flight work, write the snapshot. The process then exits. */
  freeze(path: string): Promise<FreezeOutcome>;
  /**
   * Stops the loop, saves every persistent entity (unless `save` is false: after a freeze the snapshot
   * carries the state on), flushes and disconnects.
   */
  stop(options?: { save?: boolean }): Promise<void>;
}
