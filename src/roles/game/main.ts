import { mkdirSync, renameSync } from 'node:fs';
import { createGridAoi, loadNativeGridAoi } from '../../aoi/index.ts';
import { runDir } from '../../cli/run-state.ts';
import { warmRestorePath } from '../../hotswap/restore-warmup.ts';
import { snapshotPath } from '../../hotswap/snapshot-path.ts';
import type { GameConfig } from '../../config/index.ts';
import { openEntityStorage, openKvStore, type EntityStorage, type KvStore } from '../../storage/index.ts';
import { PING_HANDLER, controlSocketPath, startControlServer, type ControlEvent } from '../shared/control-channel.ts';
import { HEAP_HANDLER } from '../shared/heap-stats.ts';
import { roleContext } from '../shared/role-context.ts';
import { EXIT_FENCED, EXIT_FROZEN, notifyReady, onShutdown, runMain } from '../shared/role-process.ts';
import { systemRuntime } from '../shared/runtime.ts';
import { loadGameModule } from './game-module.ts';
import { startGameServer, type GameServer } from './game-server.ts';
import { createInPlaceReloader } from './in-place-reload.ts';

/**
 * A hot-swap successor has its code loaded before the old process freezes; it waits here for the CLI's
 * go (the snapshot is then on disk). Started by hand, without the CLI, it restores at once.
 */
function standby(): Promise<void> {
  if (!process.send) return Promise.resolve();
  return new Promise((resolve) => {
    process.on('message', function onGo(msg: unknown) {
      if ((msg as { type?: unknown } | null)?.type !== 'restore') return;
      process.off('message', onGo);
      resolve();
    });
    process.send!({ type: 'standby' });
  });
}

type Context = Awaited<ReturnType<typeof roleContext<GameConfig>>>;
interface Stores {
  storage: EntityStorage;
  kv: KvStore;
}

/** The game server of this process, its stores open; a lost dispatcher saves what it can and exits. */
async function startGame(ctx: Context, stores: Stores, snapshot: string, onFreezeState: (state: string) => void): Promise<GameServer> {
  const { args, config, self, log, codec, metrics } = ctx;
  // A rollback runs the kept copy of the previous code; in-place reloads still read the entry on disk.
  const module = await loadGameModule(args.code ?? config.entry);
  // The C++ kernels when `npm install` could build them; the TypeScript grid (same contract) otherwise.
  const nativeAoi = loadNativeGridAoi();
  log.info(`AOI: ${nativeAoi ? 'grid with native kernels' : 'TypeScript grid (native kernels not built)'}`);
  if (args.restore) {
    // Before the old process freezes (it waits for our standby): the pause then runs compiled code.
    // Only an optimization: should it fail, the restore runs cold, as it would without it.
    try {
      const warmMs = warmRestorePath({ aoiFactory: nativeAoi ?? createGridAoi });
      log.info({ warmMs: Math.round(warmMs) }, 'restore path warmed up');
    } catch (err) {
      log.warn({ err }, 'restore warm-up failed; restoring without it');
    }
    await standby();
  }
  // Declared first: onFatal may fire before startGameServer resolves.
  let game: GameServer | undefined = undefined;
  game = await startGameServer({
    id: self.id,
    dispatchers: config.dispatchers,
    module: self.bootEntity ? { ...module, bootEntity: self.bootEntity } : module,
    tickHz: self.tickHz,
    positionSyncHz: self.positionSyncHz,
    saveIntervalSec: self.saveIntervalSec,
    saveRetryMaxDelayMs: self.saveRetryMaxDelayMs,
    stopSaveTimeoutMs: self.stopSaveTimeoutMs,
    links: config.links,
    reconnectQueue: config.links,
    overloadRefuseAfterMs: self.overloadRefuseAfterMs,
    degradedSyncDivisor: self.degradedSyncDivisor,
    sharedPositionBatches: self.sharedPositionBatches,
    ...stores,
    codec,
    log,
    aoiFactory: nativeAoi ?? createGridAoi,
    metrics,
    restoreFrom: args.restore ? snapshot : undefined,
    runtime: systemRuntime(),
    liveness: config.liveness,
    clusterSecret: config.cluster.secret,
    resumeGraceMs: config.resumeGraceMs,
    onFreezeState,
    onFenced: () => {
      // No save: a newer instance of its entities may exist. Storage closes; the process goes.
      const stopped = game ? game.stop({ save: false }) : Promise.resolve();
      void stopped
        .then(() => Promise.all([stores.storage.close(), stores.kv.close()]))
        .catch((err: unknown) => log.error({ err }, 'closing after fencing failed'))
        .finally(() => log.flush().finally(() => process.exit(EXIT_FENCED)));
    },
    onFatal: (reason) => {
      // Without a dispatcher nothing reaches this game; save what it holds and exit so it is noticed.
      const saveAll = game ? game.stop() : Promise.resolve();
      void saveAll
        .then(() => Promise.all([stores.storage.close(), stores.kv.close()]))
        .catch((err: unknown) => log.error({ err }, 'saving before exit failed'))
        .finally(() => log.flush().finally(() => process.exit(1)));
      log.fatal({ reason }, 'game exiting');
    },
  });
  return game;
}

/** Freeze to the snapshot, then exit for the successor to restore it. A failed freeze keeps serving. */
async function freezeAndExit(ctx: Context, game: GameServer, stores: Stores, snapshot: string, beforeExit: () => void): Promise<Record<string, unknown>> {
  try {
    const outcome = await game.freeze(snapshot);
    // The successor binds the metrics port once it restores: hand it over before answering.
    await ctx.metrics.close();
    // Exit after the answer is written: the CLI restores at once, while this process tears down.
    setImmediate(() => {
      beforeExit();
      void game
        .stop({ save: false })
        .then(() => Promise.all([stores.storage.close(), stores.kv.close()]))
        .then(() => ctx.log.flush())
        .finally(() => process.exit(EXIT_FROZEN));
    });
    return { ...outcome };
  } catch (err) {
    // The freezer has already resumed the game (dispatchers flushed their queues): keep serving.
    ctx.log.error({ err }, 'freeze failed; the game resumed and keeps running');
    return { ok: false, message: (err as Error).message };
  }
}

runMain(async () => {
  const ctx = await roleContext('game', (c) => c.games);
  const { args, config, self, log } = ctx;
  const stores: Stores = { storage: openEntityStorage(config.storage), kv: openKvStore(config.kv) };
  const snapshot = snapshotPath(config.hotswap.snapshotDir, self.id);
  mkdirSync(config.hotswap.snapshotDir, { recursive: true });
  // A freeze's steps go to whoever asked for it over the control channel.
  let freezeWatcher: ((event: ControlEvent) => void) | null = null;
  const game = await startGame(ctx, stores, snapshot, (state) => freezeWatcher?.({ event: 'freeze', state }));
  const inPlace = createInPlaceReloader({
    entry: config.entry,
    world: game.world,
    log,
    accept: (m) => (self.bootEntity ? { ...m, bootEntity: self.bootEntity } : m),
    initial: game.module,
    health: game.health,
  });
  const control = await startControlServer(controlSocketPath(runDir(config.baseDir), 'game', self.id), {
    freeze: async (_request, emit) => {
      freezeWatcher = emit;
      try {
        return await freezeAndExit(ctx, game, stores, snapshot, () => control.close());
      } finally {
        freezeWatcher = null;
      }
    },
    'in-place': async () => ({ ...(await inPlace.reload()) }),
    'in-place-rollback': async () => ({ ...(await inPlace.rollback()) }),
    ...PING_HANDLER,
    // A reload's probation: errors of game code since the running code took over, and the first one.
    health: async () => ({ ...game.health.report() }),
    ...HEAP_HANDLER,
  }, log);
  onShutdown(args.foreground, async (reason) => {
    log.info({ reason }, 'game stopping: saving entities');
    control.close();
    await game.stop();
    await Promise.all([stores.storage.close(), stores.kv.close()]);
  });
  // GoWorld's signals still work for an operator without the CLI: SIGHUP freezes, SIGUSR2 reloads in place.
  process.on('SIGHUP', () => void freezeAndExit(ctx, game, stores, snapshot, () => control.close()));
  process.on('SIGUSR2', () => void inPlace.reload());
  // A successor serves metrics only now: its predecessor released the port when it froze.
  if (args.restore) await ctx.serveMetrics();
  const { pauseMs } = await game.firstTick;
  ctx.metrics.setReadiness(() => game.serving());
  if (args.restore) {
    // Kept beside the live file for forensics; a later freeze writes a fresh one.
    renameSync(snapshot, `${snapshot}.restored`);
    log.info({ pauseMs }, 'hot swap complete: first tick after restore');
  }
  notifyReady({ ...(pauseMs !== null ? { pauseMs } : {}) });
});
