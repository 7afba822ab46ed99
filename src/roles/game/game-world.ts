import type { GameWorld, GameWorldOptions } from '../../core/world-api.ts';
import { createGameWorld } from '../../core/world.ts';
import { restoreFromFile, summarizeLoadReport } from '../../hotswap/index.ts';
import { MSG } from '../../protocol/index.ts';
import { createClusterBridge } from './cluster-bridge.ts';
import { requestMigration } from './migration.ts';
import { onlineGames } from './placement-inbound.ts';
import type { GameSnapshotExtra } from './game-freeze.ts';
import { type GameState, gateLink, linkFor, notify, save } from './game-state.ts';

/**
 * The world's options in a game process: the cluster goes through the dispatchers, and every create
 * and destroy is announced to the entity's dispatcher (persistent ones saved first).
 */
function worldOptions(s: GameState): GameWorldOptions {
  const { opts, codec } = s;
  const cluster = createClusterBridge({
    gameId: opts.id,
    codec,
    ids: s.ids,
    kv: s.persistence.kv,
    inflight: s.inflight,
    dispatchers: () => s.links,
    clientGates: s.clientGates,
    handoffs: s.handoffs,
    filters: s.filters,
    clock: opts.runtime.clock,
    gateLink: (gateId) => gateLink(s, gateId),
    afterClientEvents: (send) => void s.afterClientEvents.push(send),
    world: () => s.world,
    services: s.services.catalog,
    whenServicesReady: (done) => s.services.whenReady(done),
    placement: {
      storage: opts.storage,
      nilSpace: opts.module.nilSpace,
      onlineGames: () => onlineGames(s),
      report(error, where) {
        s.health.record(error, where);
        s.codeErrors.log('error', `code:${where}`, { err: error, where }, `game code failed in ${where}`);
      },
    },
  });
  return {
    gameId: opts.id,
    entityTypes: opts.module.entityTypes,
    services: opts.module.services,
    wallClock: () => opts.runtime.clock.now(),
    spaceTypes: opts.module.spaceTypes,
    components: opts.module.components,
    aoiFactory: opts.aoiFactory,
    idGenerator: s.ids,
    cluster,
    observer: {
      entityCreated(e) {
        notify(s, 'created', e);
        if (e.type.persistent) save(s, e);
      },
      entityDestroyed(e, finalAttrs) {
        if (!e.type.persistent) return notify(s, 'destroyed', e);
        // Frames for it are held by the dispatcher until its final state is saved, so a load that races
        // the save (log out, log straight back in) reads the saved state, never the previous one.
        const link = linkFor(s, e.id);
        if (link) codec.encodeTo(link, MSG.ENTITY_DESTROYING, { entityId: e.id });
        save(s, e, () => s.world.post(() => notify(s, 'destroyed', e)), finalAttrs);
      },
      saveRequested(e, done) {
        // A call that saves before it answers is acknowledged only once the save is committed and its
        // callback ran (ack-gate.ts): if the game dies first, the entity's next instance gets the call.
        const release = s.ackGate.hold();
        save(s, e, (err) => s.world.post(() => {
          try {
            done(err ?? null);
          } finally {
            release();
          }
        }));
      },
    },
    onError(error, where) {
      s.health.record(error, where);
      s.codeErrors.log('error', `code:${where}`, { err: error, where }, `game code failed in ${where}`);
    },
    resources: s.resources,
    enterRemoteSpace: (e, spaceId, position) => requestMigration(s, e, spaceId, position),
    nilSpace: opts.module.nilSpace,
  };
}

/** A fresh world, or (hot swap) the one in the snapshot, with the client bindings the old process had. */
export function createOrRestoreWorld(s: GameState): GameWorld {
  const options = worldOptions(s);
  const { restoreFrom } = s.opts;
  let world: GameWorld;
  if (restoreFrom) {
    const restored = restoreFromFile(restoreFrom, options);
    world = restored.world;
    const extra = restored.extra as GameSnapshotExtra;
    s.restoredExtra = extra;
    s.deploymentReady = true;
    for (const [clientId, gateId] of extra.clientGates) s.clientGates.set(clientId, gateId);
    s.views.restore(extra.views);
    s.grace.restore(extra.grace ?? []);
    s.log.info(
      { entities: world.entityCount, clients: s.views.size, readMs: restored.readMs, loadMs: restored.loadMs, tick: world.tick },
      `restored from ${restoreFrom}: ${summarizeLoadReport(restored.report)}`,
    );
  } else {
    world = createGameWorld(options);
  }
  for (const [name, system] of Object.entries(s.opts.module.systems ?? {})) world.addSystem(name, system);
  return world;
}
