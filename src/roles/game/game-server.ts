import type { AoiIndexFactory } from '../../aoi/aoi-index.ts';
import { createEntityIdGenerator } from '../../core/entity-id.ts';
import type { AnyEntity } from '../../core/entity.ts';
import type { GameWorld, GameWorldOptions } from '../../core/world-api.ts';
import { createWorldResources } from '../../core/world-resources.ts';
import { createGameWorld } from '../../core/world.ts';
import { restoreFromFile, summarizeLoadReport } from '../../hotswap/index.ts';
import type { Logger, Metrics } from '../../observability/index.ts';
import { MSG, clientErrorCode, entityIdShard, type WireCodec } from '../../protocol/index.ts';
import type { EntityStorage, KvStore, StoredData } from '../../storage/index.ts';
import { createTickLoop, type TickLoop, type TickReport } from '../../tick/tick-loop.ts';
import type { Link } from '../../transport/index.ts';
import type { RoleRuntime } from '../shared/runtime.ts';
import { createClientHandoffs } from './client-handoffs.ts';
import { createClientViews } from './client-views.ts';
import { createClusterBridge } from './cluster-bridge.ts';
import { createFreezer, type FreezeOutcome, type GameSnapshotExtra } from './game-freeze.ts';
import type { GameModule } from './game-module.ts';
import { createInbound, type InboundFrame } from './inbound.ts';
import { createInflight } from './inflight.ts';
import { createOutbound } from './outbound.ts';

export interface GameServerOptions {
  id: number;
  dispatchers: readonly { host: string; port: number }[];
  module: GameModule;
  tickHz: number;
  positionSyncHz: number;
  saveIntervalSec: number;
  storage: EntityStorage;
  kv: KvStore;
  codec: WireCodec;
  log: Logger;
  aoiFactory: AoiIndexFactory;
  metrics?: Metrics;
  /** The game cannot go on (a dispatcher is gone): the process should save, stop and exit. */
  onFatal?: (reason: string) => void;
  /** Hot swap: restore the world from this snapshot instead of starting empty. */
  restoreFrom?: string;
  onTick?: (report: TickReport) => void;
  /** Clock, timers and link network (systemRuntime() in a process, a fake one in createTestCluster). */
  runtime: RoleRuntime;
}

export interface GameServer {
  readonly world: GameWorld;
  readonly loop: TickLoop;
  /** Resolves after the first tick (for a restored game: the end of its pause, in ms since the freeze). */
  readonly firstTick: Promise<{ pauseMs: number | null }>;
  /** Hot swap: queue at the dispatchers, finish in-flight work, write the snapshot. The process then exits. */
  freeze(path: string): Promise<FreezeOutcome>;
  /**
   * Stops the loop, saves every persistent entity (unless `save` is false: after a freeze the snapshot
   * carries the state on), flushes and disconnects.
   */
  stop(options?: { save?: boolean }): Promise<void>;
}

/**
 * A game process: the world and its tick, wired to the dispatchers. Network input is queued as it
 * arrives and applied in the tick's inbound phase; everything the tick produces leaves in the outbound
 * phase as one batch per dispatcher. That is the only place game state changes.
 */
export async function startGameServer(opts: GameServerOptions): Promise<GameServer> {
  const { codec, log, module } = opts;
  const { clock, scheduler, net } = opts.runtime;
  const ids = createEntityIdGenerator();
  const links: (Link | undefined)[] = opts.dispatchers.map(() => undefined);
  const clientGates = new Map<string, number>();
  const handoffs = createClientHandoffs();
  const inboundQueue: InboundFrame[] = [];
  const saving = new Set<Promise<void>>();
  const inflight = createInflight();
  let stopping = false;
  // Game code's long-lived helpers (world.resource); they outlive code reloads and end with stop().
  const resources = createWorldResources();

  const cluster = createClusterBridge({
    gameId: opts.id,
    codec,
    ids,
    kv: opts.kv,
    inflight,
    dispatchers: () => links,
    clientGates,
    handoffs,
    clock,
    world: () => world,
  });

  const worldOptions: GameWorldOptions = {
    gameId: opts.id,
    entityTypes: module.entityTypes,
    spaceTypes: module.spaceTypes,
    components: module.components,
    aoiFactory: opts.aoiFactory,
    idGenerator: ids,
    cluster,
    observer: {
      entityCreated(e) {
        notify(MSG.NOTIFY_CREATE_ENTITY, e);
        if (e.type.persistent) save(e);
      },
      entityDestroyed(e, finalAttrs) {
        if (!e.type.persistent) return notify(MSG.NOTIFY_DESTROY_ENTITY, e);
        // Frames for it are held by the dispatcher until its final state is saved, so a load that races
        // the save (log out, log straight back in) reads the saved state, never the previous one.
        const link = linkFor(e.id);
        if (link) codec.encodeTo(link, MSG.ENTITY_DESTROYING, { entityId: e.id });
        save(e, () => world.post(() => notify(MSG.NOTIFY_DESTROY_ENTITY, e)), finalAttrs);
      },
    },
    onError: (error, where) => log.error({ err: error }, `game code failed in ${where}`),
    resources,
  };

  const views = createClientViews();
  let restoredExtra: GameSnapshotExtra | null = null;
  let world: GameWorld;
  if (opts.restoreFrom) {
    const restored = restoreFromFile(opts.restoreFrom, worldOptions);
    world = restored.world;
    restoredExtra = restored.extra as GameSnapshotExtra;
    for (const [clientId, gateId] of restoredExtra.clientGates) clientGates.set(clientId, gateId);
    views.restore(restoredExtra.views);
    log.info(
      { entities: world.entityCount, clients: views.size, readMs: restored.readMs, loadMs: restored.loadMs, tick: world.tick },
      `restored from ${opts.restoreFrom}: ${summarizeLoadReport(restored.report)}`,
    );
  } else {
    world = createGameWorld(worldOptions);
  }
  for (const [name, system] of Object.entries(module.systems ?? {})) world.addSystem(name, system);

  const linkFor = (entityId: string): Link | undefined => links[entityIdShard(entityId, links.length)];
  /** The dispatcher that carries a gate's client traffic: GoWorld's (gateId - 1) % N. */
  const gateLink = (gateId: number): Link | undefined => links[(gateId - 1) % links.length];

  function notify(spec: typeof MSG.NOTIFY_CREATE_ENTITY | typeof MSG.NOTIFY_DESTROY_ENTITY, e: AnyEntity): void {
    const link = linkFor(e.id);
    if (!link) return log.error({ entityId: e.id }, 'dispatcher link down: directory update lost');
    if (spec === MSG.NOTIFY_CREATE_ENTITY) codec.encodeTo(link, MSG.NOTIFY_CREATE_ENTITY, { entityId: e.id, typeName: e.typeName });
    else codec.encodeTo(link, MSG.NOTIFY_DESTROY_ENTITY, { entityId: e.id });
  }

  function save(e: AnyEntity, then?: () => void, data = world.persistentSnapshot(e.id)): void {
    if (!data) {
      log.error({ entityId: e.id }, 'no persistent snapshot to save');
      return then?.();
    }
    const p = inflight.track(opts.storage.save(e.typeName, e.id, data as StoredData))
      .catch((err: unknown) => log.error({ err, entityId: e.id }, 'save failed'))
      .finally(() => {
        saving.delete(p);
        then?.();
      });
    saving.add(p);
  }

  const outbound = createOutbound({
    world,
    views,
    codec,
    gateLink,
    gateOf: (c) => clientGates.get(c),
    takeGone: (c) => handoffs.takeGone(c),
  });
  // A restored game is past deployment-ready: onGameReady already ran in the process it replaces.
  let deploymentReady = restoredExtra !== null;
  const freezer = createFreezer({ world, codec, log, links: () => links, inflight, views, clientGates, clock, scheduler });
  const handleFrame = createInbound({
    world,
    codec,
    log,
    storage: opts.storage,
    inflight,
    clientGates,
    handoffs,
    clock,
    forwardDisconnect(entityId, clientId) {
      const link = linkFor(entityId);
      if (link) codec.encodeTo(link, MSG.NOTIFY_CLIENT_DISCONNECTED, { entityId, clientId });
    },
    bootEntity: module.bootEntity,
    sendClientError(gateId, clientId, result) {
      const link = gateLink(gateId);
      if (link) codec.encodeTo(link, MSG.ERROR, { gateId, clientId, code: clientErrorCode(result.code), message: result.message });
    },
    abandonEntity(entityId) {
      const link = linkFor(entityId);
      if (link) codec.encodeTo(link, MSG.NOTIFY_DESTROY_ENTITY, { entityId });
    },
    onDeploymentReady() {
      if (deploymentReady) return;
      deploymentReady = true;
      log.info('deployment ready');
      try {
        module.onGameReady?.(world);
      } catch (err) {
        log.error({ err }, 'onGameReady failed');
      }
    },
    onFreezeAck: (dispatcherId) => freezer.acked(dispatcherId),
  });

  const syncEvery = Math.max(1, Math.round(opts.tickHz / opts.positionSyncHz));
  const saveEveryTicks = Math.max(1, Math.round(opts.saveIntervalSec * opts.tickHz));
  const loadEveryTicks = Math.max(1, opts.tickHz);
  let busyMs = 0;
  let resolveFirstTick: (v: { pauseMs: number | null }) => void = () => {};
  const firstTick = new Promise<{ pauseMs: number | null }>((r) => (resolveFirstTick = r));
  let ticked = false;

  const loop = createTickLoop({
    world,
    hz: opts.tickHz,
    clock,
    scheduler,
    inbound() {
      const frames = inboundQueue.splice(0);
      opts.metrics?.messagesIn('internal', frames.length);
      for (const frame of frames) {
        try {
          handleFrame(frame);
        } catch (err) {
          log.error({ err, type: frame.type }, 'inbound frame failed');
        }
      }
    },
    outbound(w) {
      outbound.flushWorldEvents();
      if (w.tick % syncEvery === 0) outbound.syncPositions();
      outbound.endTick();
      if (w.tick % saveEveryTicks === 0) w.drainSaveDirty((e, attrs) => save(e, undefined, attrs));
      if (w.tick % loadEveryTicks === 0) {
        reportLoad();
        handoffs.sweep(clock.now(), 60_000);
      }
      for (const link of links) link?.flush();
    },
    onTick(report) {
      busyMs += report.totalMs;
      opts.onTick?.(report);
      if (opts.metrics) {
        opts.metrics.observeTick(report.totalMs / 1000);
        opts.metrics.setEntities(world.entityCount);
        opts.metrics.setClients(views.size);
      }
      if (!ticked) {
        ticked = true;
        resolveFirstTick({ pauseMs: restoredExtra ? clock.now() - restoredExtra.frozenAtMs : null });
      }
      // The freeze happens between ticks, once the dispatchers queue and nothing is in flight.
      freezer.afterTick(loop);
    },
    onOverrun(report) {
      log.warn({ tick: report.tick, ms: report.totalMs, phases: report.phases }, 'tick overran its budget');
    },
    onError: (err, phase) => log.error({ err }, `${phase} phase failed`),
  });

  function reportLoad(): void {
    const load = busyMs / 1000;
    busyMs = 0;
    for (const link of links) {
      if (link) codec.encodeTo(link, MSG.GAME_LOAD_REPORT, { gameId: opts.id, load, entityCount: world.entityCount });
    }
  }

  await Promise.all(
    opts.dispatchers.map(async (d, i) => {
      const link = await net.connect({
        host: d.host,
        port: d.port,
        onFrame(type, body) {
          inboundQueue.push({ type, body: body.slice() });
        },
        onError: (err) => log.warn({ err, dispatcher: i + 1 }, 'dispatcher link error'),
        onClose(_link, err) {
          links[i] = undefined;
          if (stopping || freezer.frozen) return;
          log.error({ err, dispatcher: i + 1 }, 'lost the dispatcher; exiting so the deployment notices');
          loop.stop();
          opts.onFatal?.(`lost dispatcher ${i + 1}`);
        },
      });
      links[i] = link;
      // Each dispatcher learns only the entities of its own shard.
      const entityIds = restoredExtra
        ? world.entities().map((e) => e.id).filter((id) => entityIdShard(id, opts.dispatchers.length) === i)
        : [];
      codec.encodeTo(link, MSG.SET_GAME_ID, { gameId: opts.id, isRestore: restoredExtra !== null, banBootEntity: false, entityIds });
      link.flush();
    }),
  );
  loop.start({ immediate: restoredExtra !== null });
  log.info({ gameId: opts.id, tickHz: opts.tickHz, dispatchers: links.length, restored: restoredExtra !== null }, 'game running');

  return {
    world,
    loop,
    firstTick,
    freeze: (path) => freezer.start(path),
    async stop(options) {
      stopping = true;
      loop.stop();
      if (options?.save !== false) for (const e of world.entities()) if (e.type.persistent && !e.destroyed) save(e);
      await Promise.all([...saving]);
      for (const err of await resources.closeAll()) log.error({ err }, 'closing a game resource failed');
      for (const link of links) {
        if (!link) continue;
        // After a freeze the dispatchers keep this game's queue for its successor: no stop notice then.
        if (options?.save !== false) codec.encodeTo(link, MSG.GAME_STOPPING, { gameId: opts.id });
        link.close();
      }
    },
  };
}
