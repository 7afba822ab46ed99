import type { GameWorld } from '../../core/world-api.ts';
import type { Clock, Scheduler } from '../../tick/clock.ts';
import { freezeToFile } from '../../hotswap/index.ts';
import type { Logger } from '../../observability/index.ts';
import { MSG, type WireCodec } from '../../protocol/index.ts';
import type { TickLoop } from '../../tick/tick-loop.ts';
import type { Link } from '../../transport/index.ts';
import type { ClientViewDump, ClientViews } from './client-views.ts';
import type { ClientGrace, GraceDump } from './client-grace.ts';
import type { Inflight } from './inflight.ts';

/** What the game role adds to the world snapshot, so the new process carries on where this one stopped. */
export interface GameSnapshotExtra {
  clientGates: [string, number][];
  /** Each client's view with its handles: clients keep their entity handles across the swap. */
  views: ClientViewDump[];
  /** Wall clock at the end of the last tick, for the pause the new process reports. */
  frozenAtMs: number;
  /** Clients in their resume grace period (absent in snapshots from before resume). */
  grace?: GraceDump[];
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

interface FreezerDeps {
  world: GameWorld;
  codec: WireCodec;
  log: Logger;
  links: () => readonly (Link | undefined)[];
  inflight: Inflight;
  views: ClientViews;
  clientGates: ReadonlyMap<string, number>;
  grace?: ClientGrace;
  clock: Clock;
  scheduler: Scheduler;
  /** Each step of a freeze as it is entered (the control channel streams them to the CLI). */
  onState?: (state: FreezeState, fields: Record<string, unknown>) => void;
}

/** The snapshot being made, and who waits for it. */
interface FreezeTarget {
  path: string;
  resolve: (o: FreezeOutcome) => void;
  reject: (e: Error) => void;
}

/** One freezer's progress, which its functions take as their first argument. */
interface FreezerState {
  readonly deps: FreezerDeps;
  state: FreezeState;
  target: FreezeTarget | null;
  /** Dispatchers that acknowledged START_FREEZE. */
  readonly acks: Set<number>;
  cancelDeadline: () => void;
  deadlinePassed: boolean;
}

/**
 * GoWorld's freeze, made lossless: (1) ask every dispatcher to queue this game's packets and wait for
 * each ack; frames sent before an ack are still delivered and handled normally. (2) Keep ticking until
 * no storage or KV answer is in flight and one whole tick ran quiet, so every answer was applied and
 * its consequences sent. (3) Stop the loop between ticks and write the snapshot.
 */
export function createFreezer(deps: FreezerDeps): Freezer {
  const s: FreezerState = { deps, state: 'running', target: null, acks: new Set(), cancelDeadline: () => undefined, deadlinePassed: false };
  return {
    get frozen() {
      return s.state === 'final-tick' || s.state === 'writing' || s.state === 'frozen';
    },
    get state() {
      return s.state;
    },
    start: (path) => start(s, path),
    acked(dispatcherId) {
      s.acks.add(dispatcherId);
    },
    afterTick: (loop) => afterTick(s, loop),
  };
}

function enter(s: FreezerState, next: FreezeState, fields: Record<string, unknown> = {}): void {
  s.deps.log.info({ from: s.state, to: next, ...fields }, `freeze: ${next}`);
  s.state = next;
  s.deps.onState?.(next, fields);
}

function busy(s: FreezerState): boolean {
  const { inflight, world } = s.deps;
  return inflight.count > 0 || world.pendingDeferred > 0 || world.pendingPosted > 0;
}

/**
 * A failed freeze must not strand the game: a restore hello on the same links makes each dispatcher
 * flush what it queued, in order, and route to this process again.
 */
function resume(s: FreezerState, loop: TickLoop, why: string): void {
  const { world, codec } = s.deps;
  s.cancelDeadline();
  s.target = null;
  s.acks.clear();
  s.deadlinePassed = false;
  for (const link of s.deps.links()) {
    if (!link) continue;
    codec.encodeTo(link, MSG.SET_GAME_ID, { gameId: world.gameId, isRestore: true, entityIds: [] });
    link.flush();
  }
  enter(s, 'running', { why });
  loop.start();
  s.deps.log.warn('freeze abandoned: dispatchers flush their queues and the game carries on');
}

function fail(s: FreezerState, loop: TickLoop, error: Error): void {
  const current = s.target;
  resume(s, loop, error.message);
  current?.reject(error);
}

function start(s: FreezerState, path: string): Promise<FreezeOutcome> {
  if (s.state !== 'running') return Promise.reject(new Error(`a freeze is already in progress (${s.state})`));
  const { world, codec } = s.deps;
  return new Promise<FreezeOutcome>((resolve, reject) => {
    s.target = { path, resolve, reject };
    for (const link of s.deps.links()) {
      if (!link) continue;
      codec.encodeTo(link, MSG.START_FREEZE, { gameId: world.gameId });
      link.flush();
    }
    // Handled between ticks like everything else: the next afterTick resumes and rejects.
    s.cancelDeadline = s.deps.scheduler.schedule(() => (s.deadlinePassed = true), ACK_TIMEOUT_MS);
    enter(s, 'awaiting-acks', { path, dispatchers: s.deps.links().length });
  });
}

function afterTick(s: FreezerState, loop: TickLoop): void {
  if (s.state !== 'awaiting-acks' && s.state !== 'draining') return;
  const { inflight } = s.deps;
  if (s.deadlinePassed) {
    const got = s.acks.size;
    return fail(s, loop, new Error(`freeze not done within ${ACK_TIMEOUT_MS} ms (${s.state}: ${got} of ${s.deps.links().length} dispatchers acknowledged; in flight: ${inflight.count})`));
  }
  if (s.state === 'awaiting-acks') {
    if (s.acks.size < s.deps.links().length) return;
    enter(s, 'draining', { inflight: inflight.count });
  }
  if (busy(s)) return;
  // Every dispatcher queues and nothing is in flight: one more tick, run at once rather than a period
  // later, applies what was posted and flushes its consequences; then the world is written.
  enter(s, 'final-tick');
  loop.stop();
  setImmediate(() => finalTick(s, loop));
}

function finalTick(s: FreezerState, loop: TickLoop): void {
  if (!s.target) return;
  const { world, inflight } = s.deps;
  loop.tickOnce();
  if (busy(s)) {
    // The last tick started new async work or posted callbacks: keep serving until they settle.
    enter(s, 'draining', { inflight: inflight.count });
    loop.start({ immediate: true });
    return;
  }
  const extra: GameSnapshotExtra = {
    clientGates: [...s.deps.clientGates], views: s.deps.views.dump(), frozenAtMs: s.deps.clock.now(), grace: s.deps.grace?.dump() ?? [],
  };
  const current = s.target;
  enter(s, 'writing', { path: current.path });
  try {
    const result = freezeToFile(world, current.path, extra);
    // The deadline covers the whole freeze, bounces included; it ends only once the snapshot is written.
    s.cancelDeadline();
    const outcome: FreezeOutcome = {
      path: current.path,
      entities: result.entities,
      bytes: result.bytes,
      dumpMs: result.dumpMs,
      writeMs: result.writeMs,
      tick: world.tick,
    };
    enter(s, 'frozen', { ...outcome });
    current.resolve(outcome);
  } catch (err) {
    fail(s, loop, err as Error);
  }
}
