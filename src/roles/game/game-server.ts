import { DEFAULTS } from '../../config/deployment-schema.ts';
import { MSG } from '../../protocol/index.ts';
import { connectDispatchers } from './dispatcher-links.ts';
import { createFreezer } from './game-freeze.ts';
import { createGameLoop } from './game-loop.ts';
import { markAlive, startGameLiveness } from './game-liveness.ts';
import type { GameServer, GameServerOptions } from './game-server-options.ts';
import { createGameState, gateLink, save, type GameState } from './game-state.ts';
import { createOrRestoreWorld } from './game-world.ts';
import { createOutbound } from './outbound.ts';

export type { GameServer, GameServerOptions } from './game-server-options.ts';

/** Stops the loop, saves (unless a snapshot carries the state on), closes resources and links. */
async function stopGame(s: GameState, options?: { save?: boolean }): Promise<void> {
  s.run = 'stopping';
  s.loop.stop();
  s.liveness.stop();
  const saving = options?.save !== false;
  if (saving) for (const e of s.world.entities()) if (e.type.persistent && !e.destroyed) save(s, e);
  // During a storage outage saves are still being retried: wait a while, then say what is lost.
  const waitMs = s.opts.stopSaveTimeoutMs ?? DEFAULTS.game.stopSaveTimeoutMs;
  const unsaved = await s.persistence.drain(waitMs);
  if (unsaved.length > 0) {
    s.log.error({ count: unsaved.length, unsaved: unsaved.slice(0, 100) }, `stopping with ${unsaved.length} writes not saved: storage kept failing for ${waitMs} ms`);
  }
  await Promise.all([...s.saving]);
  for (const err of await s.resources.closeAll()) s.log.error({ err }, 'closing a game resource failed');
  for (const link of s.links) {
    if (!link) continue;
    // After a freeze the dispatchers keep this game's queue for its successor: no stop notice then.
    if (saving) s.codec.encodeTo(link, MSG.GAME_STOPPING, { gameId: s.opts.id });
    link.close();
  }
}

/**
 * A game process: the world and its tick, wired to the dispatchers. Network input is queued as it
 * arrives and applied in the tick's inbound phase; everything the tick produces leaves in the outbound
 * phase as one batch per dispatcher. That is the only place game state changes. This function only
 * assembles the parts (game-state, game-world, game-loop, inbound, outbound, game-freeze).
 */
export async function startGameServer(opts: GameServerOptions): Promise<GameServer> {
  const s = createGameState(opts);
  const { clock, scheduler } = opts.runtime;
  s.world = createOrRestoreWorld(s);
  const { world, codec, log, views, clientGates, handoffs } = s;
  s.outbound = createOutbound({
    world,
    views,
    codec,
    gateLink: (gateId) => gateLink(s, gateId),
    gateOf: (c) => clientGates.get(c),
    takeGone: (c) => handoffs.takeGone(c),
    degradedSyncDivisor: opts.degradedSyncDivisor ?? DEFAULTS.game.degradedSyncDivisor,
    sharedBatches: opts.sharedPositionBatches ?? DEFAULTS.game.sharedPositionBatches,
    gateDegraded: (gateId) => s.overload.gateDegraded(gateId),
    onShed: (outcome, count) => opts.metrics?.streamRecords(outcome, count),
  });
  s.freezer = createFreezer({
    world, codec, log, links: () => s.links, inflight: s.inflight, views, clientGates, grace: s.grace, clock, scheduler, onState: opts.onFreezeState,
  });
  let resolveFirstTick: (v: { pauseMs: number | null }) => void = () => undefined;
  const firstTick = new Promise<{ pauseMs: number | null }>((r) => (resolveFirstTick = r));
  s.loop = createGameLoop(s, (pauseMs) => resolveFirstTick({ pauseMs }));
  s.liveness = startGameLiveness(s);
  await connectDispatchers(s);
  markAlive(s);
  s.run = 'running';
  s.loop.start({ immediate: s.restoredExtra !== null });
  log.info({ gameId: opts.id, tickHz: opts.tickHz, dispatchers: s.links.length, restored: s.restoredExtra !== null }, 'game running');
  return {
    world,
    health: s.health,
    module: opts.module,
    loop: s.loop,
    firstTick,
    serving: () => {
      if (s.run !== 'running') return s.run;
      if (s.freezer.state !== 'running') return `freezing (${s.freezer.state})`;
      return s.deploymentReady ? null : 'waiting for the deployment to be ready';
    },
    freeze: (path) => s.freezer.start(path),
    stop: (options) => stopGame(s, options),
  };
}
