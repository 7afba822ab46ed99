import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createGridAoi, loadNativeGridAoi } from '../../aoi/index.ts';
import { openEntityStorage, openKvStore } from '../../storage/index.ts';
import { roleContext } from '../shared/role-context.ts';
import { systemRuntime } from '../shared/runtime.ts';
import { EXIT_FROZEN, notifyReady, onShutdown, runMain } from '../shared/role-process.ts';
import { loadGameModule } from './game-module.ts';
import { startGameServer } from './game-server.ts';
import { createInPlaceReloader, inPlaceResultPath } from './in-place-reload.ts';

/** Where `tsworld reload` expects game `id`'s snapshot (GoWorld's game<N>_freezed.dat). */
export function snapshotPath(snapshotDir: string, id: number): string {
  return join(snapshotDir, `game${id}.snapshot`);
}

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

runMain(async () => {
  const { args, config, self, log, codec, metrics } = await roleContext('game', (c) => c.games);
  const module = await loadGameModule(config.entry);
  // The C++ kernels when `npm install` could build them; the TypeScript grid (same contract) otherwise.
  const nativeAoi = loadNativeGridAoi();
  log.info(`AOI: ${nativeAoi ? 'grid with native kernels' : 'TypeScript grid (native kernels not built)'}`);
  const storage = openEntityStorage(config.storage);
  const kv = openKvStore(config.kv);
  const snapshot = snapshotPath(config.hotswap.snapshotDir, self.id);
  mkdirSync(config.hotswap.snapshotDir, { recursive: true });
  if (args.restore) await standby();
  // Declared first: onFatal may fire before startGameServer resolves.
  let game: Awaited<ReturnType<typeof startGameServer>> | undefined = undefined;
  game = await startGameServer({
    id: self.id,
    dispatchers: config.dispatchers,
    module: self.bootEntity ? { ...module, bootEntity: self.bootEntity } : module,
    tickHz: self.tickHz,
    positionSyncHz: self.positionSyncHz,
    saveIntervalSec: self.saveIntervalSec,
    storage,
    kv,
    codec,
    log,
    aoiFactory: nativeAoi ?? createGridAoi,
    metrics,
    restoreFrom: args.restore ? snapshot : undefined,
    runtime: systemRuntime(),
    onFatal: (reason) => {
      // Without a dispatcher nothing reaches this game; save what it holds and exit so it is noticed.
      const saveAll = game ? game.stop() : Promise.resolve();
      void saveAll
        .then(() => Promise.all([storage.close(), kv.close()]))
        .catch((err: unknown) => log.error({ err }, 'saving before exit failed'))
        .finally(() => log.flush().finally(() => process.exit(1)));
      log.fatal({ reason }, 'game exiting');
    },
  });
  onShutdown(args.foreground, async (reason) => {
    log.info({ reason }, 'game stopping: saving entities');
    await game.stop();
    await Promise.all([storage.close(), kv.close()]);
  });
  // SIGHUP is GoWorld's reload signal: freeze to the snapshot and exit for the new process to restore.
  process.on('SIGHUP', () => {
    game.freeze(snapshot).then(
      async () => {
        await game.stop({ save: false });
        await Promise.all([storage.close(), kv.close()]);
        await log.flush();
        process.exit(EXIT_FROZEN);
      },
      (err: unknown) => {
        // The freezer has already resumed the game (dispatchers flushed their queues): keep serving.
        log.error({ err }, 'freeze failed; the game resumed and keeps running');
      },
    );
  });
  // SIGUSR2: level-2 hot swap, new code in this very process (tsworld reload --in-place, or --watch).
  const inPlace = createInPlaceReloader({
    entry: config.entry,
    world: game.world,
    log,
    resultPath: inPlaceResultPath(config.hotswap.snapshotDir, self.id),
    accept: (m) => (self.bootEntity ? { ...m, bootEntity: self.bootEntity } : m),
  });
  process.on('SIGUSR2', () => void inPlace.reload());
  const { pauseMs } = await game.firstTick;
  if (args.restore) {
    // Kept beside the live file for forensics; a later freeze writes a fresh one.
    renameSync(snapshot, `${snapshot}.restored`);
    log.info({ pauseMs }, 'hot swap complete: first tick after restore');
  }
  notifyReady({ ...(pauseMs !== null ? { pauseMs } : {}) });
});
