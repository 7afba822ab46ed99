import { TsworldError } from '../core/errors.ts';
import type { GameWorld } from '../core/world-api.ts';
import { createSystemClock, createSystemScheduler, type Clock, type Scheduler } from './clock.ts';

/** The named phases of a tick, in order. */
export const TICK_PHASES = ['inbound', 'async', 'systems', 'commit', 'aoi', 'outbound'] as const;
export type TickPhase = (typeof TICK_PHASES)[number];

export interface TickReport {
  readonly tick: number;
  readonly totalMs: number;
  readonly budgetMs: number;
  /** Time spent in each phase, in phase order. */
  readonly phases: Readonly<Record<TickPhase, number>>;
}

export interface TickLoopOptions {
  world: GameWorld;
  /** Ticks per second; 20 by default. dt is fixed at 1 / hz. */
  hz?: number;
  /** Time a tick may take before it counts as an overrun; the tick period by default. */
  budgetMs?: number;
  clock?: Clock;
  scheduler?: Scheduler;
  /** Drains decoded network input into the world (world.call, setClient, ...). */
  inbound?: (world: GameWorld) => void;
  /** Sends what the tick produced: attr deltas, AOI and client events, client calls, one batch per destination. */
  outbound?: (world: GameWorld) => void;
  /** Every tick's phase breakdown, e.g. for metrics. */
  onTick?: (report: TickReport) => void;
  /** A tick that went over budget. Defaults to a console warning; never silent. */
  onOverrun?: (report: TickReport) => void;
  /** Errors thrown by inbound/outbound; the loop keeps running. Defaults to console.error. */
  onError?: (error: unknown, phase: TickPhase) => void;
  /** When the loop falls this many periods behind it stops catching up and re-bases. Default 5. */
  maxLagTicks?: number;
}

export interface TickLoop {
  readonly hz: number;
  readonly dt: number;
  readonly running: boolean;
  readonly ticks: number;
  /** Runs one whole tick now, independent of the scheduler. */
  tickOnce(): TickReport;
  /** `immediate`: run the first tick now rather than one period from now (a restored game's pause ends sooner). */
  start(options?: { immediate?: boolean }): void;
  stop(): void;
}

/** What a loop runs with: its options resolved, with their defaults. */
interface LoopSettings {
  readonly hz: number;
  readonly periodMs: number;
  readonly dt: number;
  readonly budgetMs: number;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly maxLagMs: number;
  readonly onOverrun: (report: TickReport) => void;
  readonly onError: (error: unknown, phase: TickPhase) => void;
}

function settingsOf(options: TickLoopOptions): LoopSettings {
  const hz = options.hz ?? 20;
  if (!(hz > 0 && hz <= 1000)) throw new TsworldError('INVALID_ARGUMENT', `tick rate ${hz} Hz is out of range`);
  const periodMs = 1000 / hz;
  const onOverrun =
    options.onOverrun ??
    ((r: TickReport) =>
      console.warn(
        `[tsworld] tick ${r.tick} took ${r.totalMs.toFixed(2)} ms (budget ${r.budgetMs.toFixed(2)} ms):`,
        TICK_PHASES.map((p) => `${p}=${r.phases[p].toFixed(2)}`).join(' '),
      ));
  return {
    hz,
    periodMs,
    dt: 1 / hz,
    budgetMs: options.budgetMs ?? periodMs,
    clock: options.clock ?? createSystemClock(),
    scheduler: options.scheduler ?? createSystemScheduler(),
    maxLagMs: (options.maxLagTicks ?? 5) * periodMs,
    onOverrun,
    onError: options.onError ?? ((error: unknown, phase: TickPhase) => console.error(`[tsworld] ${phase} phase:`, error)),
  };
}

/** Runs an inbound or outbound hook; what it throws is reported and the tick goes on. */
function external(world: GameWorld, settings: LoopSettings, phase: TickPhase, fn: ((w: GameWorld) => void) | undefined): void {
  if (fn === undefined) return;
  try {
    fn(world);
  } catch (error) {
    settings.onError(error, phase);
  }
}

/** One whole tick, each phase timed with the settings' clock. */
function runTick(options: TickLoopOptions, settings: LoopSettings): TickReport {
  const { world } = options;
  const { clock, dt, budgetMs } = settings;
  const phases = {} as Record<TickPhase, number>;
  const start = clock.now();
  let mark = start;
  const timed = (phase: TickPhase, run: () => void) => {
    run();
    const now = clock.now();
    phases[phase] = now - mark;
    mark = now;
  };
  world.phases.begin(dt);
  timed('inbound', () => external(world, settings, 'inbound', options.inbound));
  timed('async', () => world.phases.async());
  timed('systems', () => world.phases.systems(dt));
  timed('commit', () => world.phases.commit());
  timed('aoi', () => world.phases.aoi());
  timed('outbound', () => external(world, settings, 'outbound', options.outbound));
  world.phases.end();
  const report: TickReport = { tick: world.tick, totalMs: mark - start, budgetMs, phases };
  options.onTick?.(report);
  if (report.totalMs > budgetMs) settings.onOverrun(report);
  return report;
}

/**
 * One loop per process: a fixed-rate tick scheduled against absolute due times (drift-corrected),
 * never sleep-polling. Each phase is timed with the injected clock.
 */
export function createTickLoop(options: TickLoopOptions): TickLoop {
  const settings = settingsOf(options);
  const { hz, dt, periodMs, clock, scheduler, maxLagMs } = settings;
  let running = false;
  let ticks = 0;
  let nextDue = 0;
  let cancel: (() => void) | null = null;

  const tickOnce = (): TickReport => {
    const report = runTick(options, settings);
    ticks++;
    return report;
  };

  const run = () => {
    cancel = null;
    if (!running) return;
    tickOnce();
    nextDue += periodMs;
    const now = clock.now();
    // Far behind (a long GC pause, a debugger): re-base rather than fire a burst of catch-up ticks.
    if (now - nextDue > maxLagMs) nextDue = now;
    if (running) cancel = scheduler.schedule(run, Math.max(0, nextDue - now));
  };

  return {
    hz,
    dt,
    get running() {
      return running;
    },
    get ticks() {
      return ticks;
    },
    tickOnce,
    start(startOptions) {
      if (running) return;
      running = true;
      const delay = startOptions?.immediate ? 0 : periodMs;
      nextDue = clock.now() + delay;
      cancel = scheduler.schedule(run, delay);
    },
    stop() {
      running = false;
      cancel?.();
      cancel = null;
    },
  };
}
