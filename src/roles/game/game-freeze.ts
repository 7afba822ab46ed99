import type { GameWorld } from '../../core/world-api.ts';
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
  readonly frozen: boolean;
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
}): Freezer {
  const { world, codec, log } = deps;
  let target: { path: string; resolve: (o: FreezeOutcome) => void; reject: (e: Error) => void } | null = null;
  const acks = new Set<number>();
  let frozen = false;
  let ackTimer: ReturnType<typeof setTimeout> | undefined;
  let ackTimedOut = false;

  /**
   * A failed freeze must not strand the game: a restore hello on the same links makes each dispatcher
   * flush what it queued, in order, and route to this process again.
   */
  function resume(loop: TickLoop): void {
    frozen = false;
    target = null;
    acks.clear();
    ackTimedOut = false;
    clearTimeout(ackTimer);
    for (const link of deps.links()) {
      if (!link) continue;
      codec.encodeTo(link, MSG.SET_GAME_ID, { gameId: world.gameId, isRestore: true, banBootEntity: false, entityIds: [] });
      link.flush();
    }
    loop.start();
    log.warn('freeze abandoned: dispatchers flush their queues and the game carries on');
  }

  return {
    get frozen() {
      return frozen;
    },
    start(path) {
      if (target) return Promise.reject(new Error('a freeze is already in progress'));
      return new Promise<FreezeOutcome>((resolve, reject) => {
        target = { path, resolve, reject };
        for (const link of deps.links()) {
          if (!link) continue;
          codec.encodeTo(link, MSG.START_FREEZE, { gameId: world.gameId });
          link.flush();
        }
        // Handled between ticks like everything else: the next afterTick resumes and rejects.
        ackTimer = setTimeout(() => (ackTimedOut = true), ACK_TIMEOUT_MS);
        log.info({ path }, 'freeze requested: waiting for the dispatchers to queue our packets');
      });
    },
    acked(dispatcherId) {
      acks.add(dispatcherId);
    },
    afterTick(loop) {
      if (!target || frozen) return;
      if (ackTimedOut) {
        const current = target;
        const got = acks.size;
        resume(loop);
        current.reject(new Error(`freeze not done within ${ACK_TIMEOUT_MS} ms (${got} of ${deps.links().length} dispatchers acknowledged; in flight: ${deps.inflight.count})`));
        return;
      }
      if (acks.size < deps.links().length) return;
      if (deps.inflight.count > 0 || world.pendingDeferred > 0 || world.pendingPosted > 0) return;
      // Every dispatcher queues and nothing is in flight: one more tick, run at once rather than a period
      // later, applies what was posted and flushes its consequences; then the world is written.
      frozen = true;
      loop.stop();
      setImmediate(() => finalTick(loop));
    },
  };

  function finalTick(loop: TickLoop): void {
    if (!target) return;
    loop.tickOnce();
    if (deps.inflight.count > 0 || world.pendingDeferred > 0 || world.pendingPosted > 0) {
      // The last tick started new async work or posted callbacks: keep serving until they settle.
      frozen = false;
      loop.start({ immediate: true });
      return;
    }
    const extra: GameSnapshotExtra = {
      clientGates: [...deps.clientGates],
      views: deps.views.dump(),
      frozenAtMs: Date.now(),
    };
    const current = target;
    try {
      const result = freezeToFile(world, current.path, extra);
    // The deadline covers the whole freeze, bounces included; it ends only once the snapshot is written.
    clearTimeout(ackTimer);
      const outcome: FreezeOutcome = {
        path: current.path,
        entities: result.entities,
        bytes: result.bytes,
        dumpMs: result.dumpMs,
        writeMs: result.writeMs,
        tick: world.tick,
      };
      log.info({ ...outcome }, 'frozen: snapshot written');
      current.resolve(outcome);
    } catch (err) {
      resume(loop);
      current.reject(err as Error);
    }
  }
}
