import { createLogThrottle } from '../../observability/index.ts';
import { CLIENT_ERROR_CODES, MSG, clientErrorCode } from '../../protocol/index.ts';
import { createTickLoop, type TickLoop } from '../../tick/tick-loop.ts';
import { type GameState, gateLink, linkFor, save, sendClientEvents } from './game-state.ts';
import { fencedByStall, markAlive } from './game-liveness.ts';
import { createInbound, type CallFailure, type InboundFrame } from './inbound.ts';
import { createArrivals } from './on-arrival.ts';
import { createGameSessions } from './game-sessions.ts';
import { onMigrateAck, onMigrateIn, onMigrateRefused } from './migration.ts';
import { onCreateSpace, onLoadOnGame, onNilSpaceCall, onOnlineGames } from './placement-inbound.ts';
import { sendResponse } from './client-requests.ts';

/** The inbound handlers' view of the game: how a frame's consequences leave the process. */
export function createFrameHandler(s: GameState): (frame: InboundFrame) => void {
  s.sessions = createGameSessions(s);
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
    sessions: s.sessions,
    sendClientError(gateId, clientId, result) {
      const link = gateLink(s, gateId);
      if (link) codec.encodeTo(link, MSG.ERROR, { gateId, clientId, code: clientErrorCode(result.code), message: result.message });
    },
    respond(gateId, clientId, requestId, answer) {
      const link = gateLink(s, gateId);
      if (link) sendResponse(codec, log, link, gateId, clientId, requestId, answer);
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
        s.health.record(err, 'onGameReady');
        log.error({ err }, 'onGameReady failed');
      }
    },
    onFreezeAck: (dispatcherId) => s.freezer.acked(dispatcherId),
    isService: (typeName) => s.services.isService(typeName),
    onServicesReady: (dispatcherId) => s.services.readyFrom(dispatcherId),
    onGatePressure: (dispatcherId, gateId, degraded) => s.overload.gatePressure(dispatcherId, gateId, degraded),
    onCallFailed: (failure) => onCallFailed(s, failure),
    migration: { ack: (m) => onMigrateAck(s, m), refused: (m) => onMigrateRefused(s, m), arrive: (m) => onMigrateIn(s, m) },
    placement: {
      createSpace: (m) => onCreateSpace(s, m),
      loadOnGame: (m) => onLoadOnGame(s, m),
      nilSpaceCall: (m) => onNilSpaceCall(s, m),
      onlineGames: (m) => onOnlineGames(s, m),
    },
    fatal(reason) {
      log.fatal({ reason }, 'game cannot go on');
      s.loop.stop();
      opts.onFatal?.(reason);
    },
  });
}

/** Counted and logged at a bounded rate, then handed to game code's hook if it has one. */
function onCallFailed(s: GameState, failure: CallFailure): void {
  const name = Object.entries(CLIENT_ERROR_CODES).find(([, code]) => code === failure.code)?.[0] ?? String(failure.code);
  s.faults.callFailed(name);
  s.codeErrors.log('warn', `call-failed:${name}`, { entityId: failure.entityId, method: failure.method, code: name }, failure.message);
  try {
    s.opts.module.onCallFailed?.(s.world, { ...failure });
  } catch (err) {
    s.health.record(err, 'onCallFailed');
    s.codeErrors.log('error', 'hook:onCallFailed', { err }, 'onCallFailed failed');
  }
}

/** Every dispatcher learns this game's tick load once a second, for placement. */
function reportLoad(s: GameState): void {
  const load = s.busyMs / 1000;
  const overloaded = s.overload.overloaded();
  s.busyMs = 0;
  for (const link of s.links) {
    if (link) s.codec.encodeTo(link, MSG.GAME_LOAD_REPORT, { gameId: s.opts.id, load, entityCount: s.world.entityCount, overloaded });
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
      // The first thing a tick does after a stall: a fenced game must not apply what waited meanwhile.
      if (fencedByStall(s)) return;
      s.arrivals.drain();
      s.sessions.expire();
    },
    outbound(w) {
      sendClientEvents(s);
      if (w.tick % syncEvery === 0) s.outbound.syncPositions();
      s.outbound.endTick();
      if (w.tick % saveEveryTicks === 0) w.drainSaveDirty((e, attrs) => save(s, e, undefined, attrs));
      if (w.tick % loadEveryTicks === 0) {
        reportLoad(s);
        s.ackGate.sweep(clock.now());
        s.handoffs.sweep(clock.now(), 60_000);
      }
      for (const link of s.links) link?.flush();
    },
    onTick(report) {
      markAlive(s);
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
    onError(err, phase) {
      s.health.record(err, `${phase} phase`);
      s.codeErrors.log('error', `phase:${phase}`, { err, phase }, `${phase} phase failed`);
    },
  });
  return loop;
}
