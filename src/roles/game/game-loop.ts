import { createLogThrottle } from '../../observability/index.ts';
import { MSG, clientErrorCode } from '../../protocol/index.ts';
import { createTickLoop, type TickLoop } from '../../tick/tick-loop.ts';
import { type GameState, gateLink, linkFor, save, sendClientEvents } from './game-state.ts';
import { createInbound, type InboundFrame } from './inbound.ts';
import { createArrivals } from './on-arrival.ts';

/** The inbound handlers' view of the game: how a frame's consequences leave the process. */
export function createFrameHandler(s: GameState): (frame: InboundFrame) => void {
  const { codec, log, opts } = s;
  return createInbound({
    world: s.world,
    codec,
    log,
    storage: opts.storage,
    inflight: s.inflight,
    clientGates: s.clientGates,
    handoffs: s.handoffs,
    clock: opts.runtime.clock,
    throttle: createLogThrottle({ log, now: () => opts.runtime.clock.now() }),
    bootEntity: opts.module.bootEntity,
    forwardDisconnect(entityId, clientId) {
      const link = linkFor(s, entityId);
      if (link) codec.encodeTo(link, MSG.NOTIFY_CLIENT_DISCONNECTED, { entityId, clientId });
    },
    sendClientError(gateId, clientId, result) {
      const link = gateLink(s, gateId);
      if (link) codec.encodeTo(link, MSG.ERROR, { gateId, clientId, code: clientErrorCode(result.code), message: result.message });
    },
    abandonEntity(entityId) {
      const link = linkFor(s, entityId);
      if (link) codec.encodeTo(link, MSG.NOTIFY_DESTROY_ENTITY, { entityId });
    },
    onDeploymentReady() {
      if (s.deploymentReady) return;
      s.deploymentReady = true;
      log.info('deployment ready');
      try {
        opts.module.onGameReady?.(s.world);
      } catch (err) {
        log.error({ err }, 'onGameReady failed');
      }
    },
    onFreezeAck: (dispatcherId) => s.freezer.acked(dispatcherId),
    fatal(reason) {
      log.fatal({ reason }, 'game cannot go on');
      s.loop.stop();
      opts.onFatal?.(reason);
    },
  });
}

/** Every dispatcher learns this game's tick load once a second, for placement. */
function reportLoad(s: GameState): void {
  const load = s.busyMs / 1000;
  s.busyMs = 0;
  for (const link of s.links) {
    if (link) s.codec.encodeTo(link, MSG.GAME_LOAD_REPORT, { gameId: s.opts.id, load, entityCount: s.world.entityCount });
  }
}

/**
 * The game's tick: frames queued since the last tick are applied in the inbound phase, and everything the
 * tick produced leaves in the outbound phase as one batch per dispatcher. `onFirstTick` gets the pause of
 * a restored game (ms since its predecessor froze).
 */
export function createGameLoop(s: GameState, onFirstTick: (pauseMs: number | null) => void): TickLoop {
  const { opts, log } = s;
  const { clock, scheduler } = opts.runtime;
  s.arrivals = createArrivals(s, createFrameHandler(s));
  const syncEvery = Math.max(1, Math.round(opts.tickHz / opts.positionSyncHz));
  const saveEveryTicks = Math.max(1, Math.round(opts.saveIntervalSec * opts.tickHz));
  const loadEveryTicks = Math.max(1, opts.tickHz);
  let ticked = false;
  const loop = createTickLoop({
    world: s.world,
    hz: opts.tickHz,
    clock,
    scheduler,
    inbound() {
      s.arrivals.drain();
    },
    outbound(w) {
      sendClientEvents(s);
      if (w.tick % syncEvery === 0) s.outbound.syncPositions();
      s.outbound.endTick();
      if (w.tick % saveEveryTicks === 0) w.drainSaveDirty((e, attrs) => save(s, e, undefined, attrs));
      if (w.tick % loadEveryTicks === 0) {
        reportLoad(s);
        s.handoffs.sweep(clock.now(), 60_000);
      }
      for (const link of s.links) link?.flush();
    },
    onTick(report) {
      s.busyMs += report.totalMs;
      opts.onTick?.(report);
      opts.metrics?.observeTick(report.totalMs / 1000);
      opts.metrics?.setEntities(s.world.entityCount);
      opts.metrics?.setClients(s.views.size);
      if (!ticked) {
        ticked = true;
        onFirstTick(s.restoredExtra ? Math.round(clock.now() - s.restoredExtra.frozenAtMs) : null);
      }
      // The freeze happens between ticks, once the dispatchers queue and nothing is in flight.
      s.freezer.afterTick(loop);
    },
    onOverrun(report) {
      log.warn({ tick: report.tick, ms: report.totalMs, phases: report.phases }, 'tick overran its budget');
    },
    onError: (err, phase) => s.codeErrors.log('error', `phase:${phase}`, { err, phase }, `${phase} phase failed`),
  });
  return loop;
}
