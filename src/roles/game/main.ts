import { createGridAoi } from '../../aoi/index.ts';
import { openEntityStorage, openKvStore } from '../../storage/index.ts';
import { roleContext } from '../shared/role-context.ts';
import { notifyReady, onShutdown, runMain } from '../shared/role-process.ts';
import { loadGameModule } from './game-module.ts';
import { startGameServer } from './game-server.ts';

runMain(async () => {
  const { args, config, self, log, codec } = await roleContext('game', (c) => c.games);
  const module = await loadGameModule(config.entry);
  const storage = openEntityStorage(config.storage);
  const kv = openKvStore(config.kv);
  const game = await startGameServer({
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
    aoiFactory: createGridAoi,
  });
  onShutdown(args.foreground, async (reason) => {
    log.info({ reason }, 'game stopping: saving entities');
    await game.stop();
    await Promise.all([storage.close(), kv.close()]);
  });
  notifyReady({});
});
