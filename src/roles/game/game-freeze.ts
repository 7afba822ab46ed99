import type { GameWorld } from '../../core/world-api.ts';
import type { Clock, Scheduler } from '../../tick/clock.ts';
import { freezeToFile } from '../../hotswap/index.ts';
import type { Logger } from '../../observability/index.ts';
import { MSG, type WireCodec } from '../../protocol/index.ts';
import type { TickLoop } from '../../tick/tick-loop.ts';
import type { Link } from '../../transport/index.ts';
import type { ClientViewDump, ClientViews } from './client-views.ts';
import type { Inflight } from './inflight.ts';

/** What the game role adds to the world snapshot, so the new process carries on where this one stopped. */
export interface GameSnapshotExtra {
  clientGates: [string, number][];
  /** Each client's view with its handles: clients keep their entity handles across the swap. */
  views: ClientViewDump[];
  /** Wall clock at the end of the last tick, for the pause the new process reports. */
  frozenAtMs: number;
}

export interface FreezeOutcome {
  path: string;
  entities: number;
  bytes: number;
  dumpMs: number;
  writeMs: number;
  tick: number;
}

export interface Freezer {
  /** From the final tick on: the links may close without the game being lost. */
  readonly frozen: boolean;
  readonly state: FreezeState;
  start(path: string): Promise<FreezeOutcome>;
  acked(dispatcherId: number): void;
  /**
   * Called after every tick: freezes once every dispatcher queues and nothing is in flight. A freeze
   * that does not complete within its deadline (acks, or in-flight work that keeps coming) is abandoned
   * and the game resumes serving.
   */
  afterTick(loop: TickLoop): void;
}

/** Shorter than the CLI's wait (20 s), so the CLI sees the outcome. */
const ACK_TIMEOUT_MS = 10_000;

/**
 * Where a freeze is. Each transition is logged, so a stuck swap says where it stopped:
 * running → awaiting-acks (START_FREEZE sent) → draining (every dispatcher queues; in-flight work
 * settles) → final-tick (one quiet tick applies what was posted) → writing → frozen. A deadline or a
 * failure in any step goes back to running, and the dispatchers flush what they queued.
 */
export type FreezeState = 'running' | 'awaiting-acks' | 'draining' | 'final-tick' | 'writing' | 'frozen';

/**
 * GoWorld's freeze, made lossless: (1) ask every dispatcher to queue this game's packets and wait for
 * each ack; frames sent before an ack are still delivered and handled normally. (2) Keep ticking until
 * no storage or KV answer is in flight and one whole tick ran quiet, so every answer was applied and
 * its consequences sent. (3) Stop the loop between ticks and write the snapshot.
 */
export function createFreezer(deps: {
  world: GameWorld;
  codec: WireCodec;
  log: Logger;
  links: () => readonly (Link | undefined)[];
  inflight: Inflight;
  views: ClientViews;
  clientGates: ReadonlyMap<string, number>;
  clock: Clock;
  scheduler: Scheduler;
}): Freezer {
  const { world, codec, log } = deps;
  let state: FreezeState = 'running';
  let target: { path: string; resolve: (o: FreezeOutcome) => void; reject: (e: Error) => void } | null = null;
  const acks = new Set<number>();
  let cancelDeadline: () => void = () => undefined;
  let deadlinePassed = false;

  function enter(next: FreezeState, fields: Record<string, unknown> = {}): void {
    log.info({ from: state, to: next, ...fields }, `freeze: ${next}`);
    state = next;
  }

  const busy = () => deps.inflight.count > 0 || world.pendingDeferred > 0 || world.pendingPosted > 0;

  /**
   * A failed freeze must not strand the game: a restore hello on the same links makes each dispatcher
   * flush what it queued, in order, and route to this process again.
   */
  function resume(loop: TickLoop, why: string): void {
    cancelDeadline();
    target = null;
    acks.clear();
    deadlinePassed = false;
    for (const link of deps.links()) {
      if (!link) continue;
      codec.encodeTo(link, MSG.SET_GAME_ID, { gameId: world.gameId, isRestore: true, banBootEntity: false, entityIds: [] });
      link.flush();
    }
    enter('running', { why });
    loop.start();
    log.warn('freeze abandoned: dispatchers flush their queues and the game carries on');
  }

  function fail(loop: TickLoop, error: Error): void {
    const current = target;
    resume(loop, error.message);
    current?.reject(error);
  }

  return {
    get frozen() {
      return state === 'final-tick' || state === 'writing' || state === 'frozen';
    },
    get state() {
      return state;
    },
    start(path) {
      if (state !== 'running') return Promise.reject(new Error(`a freeze is already in progress (${state})`));
      return new Promise<FreezeOutcome>((resolve, reject) => {
        target = { path, resolve, reject };
        for (const link of deps.links()) {
          if (!link) continue;
          codec.encodeTo(link, MSG.START_FREEZE, { gameId: world.gameId });
          link.flush();
        }
        // Handled between ticks like everything else: the next afterTick resumes and rejects.
        cancelDeadline = deps.scheduler.schedule(() => (deadlinePassed = true), ACK_TIMEOUT_MS);
        enter('awaiting-acks', { path, dispatchers: deps.links().length });
      });
    },
    acked(dispatcherId) {
      acks.add(dispatcherId);
    },
    afterTick(loop) {
      if (state !== 'awaiting-acks' && state !== 'draining') return;
      if (deadlinePassed) {
        const got = acks.size;
        return fail(loop, new Error(`freeze not done within ${ACK_TIMEOUT_MS} ms (${state}: ${got} of ${deps.links().length} dispatchers acknowledged; in flight: ${deps.inflight.count})`));
      }
      if (state === 'awaiting-acks') {
        if (acks.size < deps.links().length) return;
        enter('draining', { inflight: deps.inflight.count });
      }
      if (busy()) return;
      // Every dispatcher queues and nothing is in flight: one more tick, run at once rather than a period
      // later, applies what was posted and flushes its consequences; then the world is written.
      enter('final-tick');
      loop.stop();
      setImmediate(() => finalTick(loop));
    },
  };

  function finalTick(loop: TickLoop): void {
    if (!target) return;
    loop.tickOnce();
    if (busy()) {
      // The last tick started new async work or posted callbacks: keep serving until they settle.
      enter('draining', { inflight: deps.inflight.count });
      loop.start({ immediate: true });
      return;
    }
    const extra: GameSnapshotExtra = { clientGates: [...deps.clientGates], views: deps.views.dump(), frozenAtMs: deps.clock.now() };
    const current = target;
    enter('writing', { path: current.path });
    try {
      const result = freezeToFile(world, current.path, extra);
      // The deadline covers the whole freeze, bounces included; it ends only once the snapshot is written.
      cancelDeadline();
      const outcome: FreezeOutcome = {
        path: current.path,
        entities: result.entities,
        bytes: result.bytes,
        dumpMs: result.dumpMs,
        writeMs: result.writeMs,
        tick: world.tick,
      };
      enter('frozen', { ...outcome });
      current.resolve(outcome);
    } catch (err) {
      fail(loop, err as Error);
    }
  }
}
