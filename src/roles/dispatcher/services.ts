import type { Metrics } from '../../observability/index.ts';
import { createServiceMetrics, type ServiceMetrics } from '../../observability/service-metrics.ts';
import { MSG, type MessageValue } from '../../protocol/index.ts';
import { type DroppedEntry, type HeldFrame, UNPLACED } from './directory.ts';
import { type DispatcherState, out } from './dispatcher-state.ts';
import type { OwnFrame } from './own-frames.ts';
import type { GamePeer } from './peers.ts';
import { dropHeld, placeOn } from './routing.ts';

/**
 * The dispatcher's side of services (SPEC.md, "Services"): the shards whose ids fall in this
 * dispatcher's shard, as the games declared them. Placement is decided here, and only here, for each
 * shard: one dispatcher owns the id, so one decision is made and a shard never runs twice.
 */
export interface ServiceShard {
  readonly service: string;
  readonly persistent: boolean;
}

export interface ServiceRegistry {
  readonly shards: Map<string, ServiceShard>;
  /** SERVICES_READY was broadcast for the current set (reset when a shard goes missing). */
  announced: boolean;
  /** When each shard being re-placed after its game went down lost its game, for the failover log. */
  readonly failingOver: Map<string, { from: number; since: number }>;
  readonly metrics: ServiceMetrics;
}

export function createServiceRegistry(metrics: Metrics | undefined): ServiceRegistry {
  return { shards: new Map(), announced: false, failingOver: new Map(), metrics: createServiceMetrics(metrics) };
}

/** Loads within this fraction of a tick count as equal; then the game with fewer shards is chosen. */
const LOAD_STEP = 0.05;

/** The least loaded live game, fewer service shards breaking ties, so a fresh deployment spreads them. */
function targetGame(s: DispatcherState): GamePeer | undefined {
  const live = [...s.peers.games()].filter((g) => g.link !== null && g.state === 'live');
  const open = live.filter((g) => !g.overloaded);
  const candidates = open.length > 0 ? open : live;
  if (candidates.length === 0) return undefined;
  const shardsOn = new Map<number, number>();
  for (const id of s.services.shards.keys()) {
    const gameId = s.directory.get(id)?.gameId;
    if (gameId !== undefined) shardsOn.set(gameId, (shardsOn.get(gameId) ?? 0) + 1);
  }
  const score = (g: GamePeer) => [Math.round(g.load / LOAD_STEP), shardsOn.get(g.id) ?? 0, g.id];
  return candidates.sort((a, b) => {
    const [x, y] = [score(a), score(b)];
    return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
  })[0];
}

/** Sends the create (or, persistent, the load) of one shard to `game`; frames for it are held until it exists. */
function place(s: DispatcherState, game: GamePeer, entityId: string, shard: ServiceShard, why: 'initial' | 'failover' | 'stopped'): void {
  const body = shard.persistent
    ? s.codec.encode(MSG.LOAD_ENTITY_ANYWHERE, { entityId, typeName: shard.service })
    : s.codec.encode(MSG.CREATE_ENTITY_ANYWHERE, { entityId, typeName: shard.service, attrs: {} });
  placeOn(s, game, entityId, shard.persistent ? MSG.LOAD_ENTITY_ANYWHERE.id : MSG.CREATE_ENTITY_ANYWHERE.id, body);
  s.services.announced = false;
  s.services.metrics.placed(shard.service, why);
  s.log.info({ service: shard.service, entityId, gameId: game.id, why }, 'service shard placed');
}

/**
 * Places every declared shard that is in no game (none yet, or its game went down while no other was
 * there). Only once the deployment is ready, so that placement sees every game and their loads.
 */
export function placeServices(s: DispatcherState): void {
  if (s.run !== 'ready') return;
  for (const [entityId, shard] of s.services.shards) {
    const entry = s.directory.get(entityId);
    if (entry !== undefined && entry.gameId !== UNPLACED) continue;
    const game = targetGame(s);
    if (!game) {
      countUnplaced(s);
      return s.throttle.log('error', 'service-no-game', { service: shard.service }, 'no live game to place a service shard on');
    }
    place(s, game, entityId, shard, 'initial');
  }
  countUnplaced(s);
}

function countUnplaced(s: DispatcherState): void {
  let unplaced = 0;
  for (const id of s.services.shards.keys()) {
    const entry = s.directory.get(id);
    if (entry === undefined || entry.gameId === UNPLACED) unplaced++;
  }
  s.services.metrics.setUnplaced(unplaced);
}

/** How long after a shard went away (destroyed, or its game could not make it) it is placed again. */
const REPLACE_AFTER_MS = 1000;

/**
 * A shard's entity was destroyed (game code did it, or its game could not create or load it): a service
 * has one instance per shard at all times, so it is placed again, after a pause so that a shard that
 * cannot be made (storage down) is not retried in a tight loop.
 */
export function serviceGone(s: DispatcherState, entityId: string): void {
  const shard = s.services.shards.get(entityId);
  if (!shard) return;
  s.throttle.log('warn', 'service-gone', { service: shard.service, entityId, retryInMs: REPLACE_AFTER_MS }, 'service shard destroyed; placing it again');
  s.runtime.scheduler.schedule(() => {
    if (s.run !== 'closing') placeServices(s);
  }, REPLACE_AFTER_MS);
}

/**
 * The pending sweep dropped an entry that waited past `pendingTimeoutMs`: its frames are answered as
 * refused. A service shard's placement goes on, though: the game it was sent to may still make it (a
 * slow load), and placing it elsewhere now could run it twice. It is placed again only when that game
 * says it could not (serviceGone) or is declared down.
 */
export function dropSwept(s: DispatcherState, dropped: DroppedEntry, frames: readonly HeldFrame[]): void {
  dropHeld(s, dropped.entityId, frames);
  if (s.services.shards.has(dropped.entityId) && dropped.entry.gameId !== UNPLACED && s.peers.game(dropped.entry.gameId)) {
    s.directory.expect(dropped.entityId, dropped.entry.gameId, s.now());
  }
}

/**
 * A game's hello names a service shard that another live game holds (or is being given): the game was
 * declared down and its shard placed elsewhere, and it reconnected without fencing itself. Its copy is
 * stale; routing stays with the new instance, so no call ever reaches two.
 */
export function shardLivesElsewhere(s: DispatcherState, entityId: string, gameId: number): boolean {
  const shard = s.services.shards.get(entityId);
  const entry = shard ? s.directory.get(entityId) : undefined;
  if (!entry || entry.gameId === gameId || entry.gameId === UNPLACED || !s.peers.game(entry.gameId)) return false;
  s.log.error({ service: shard!.service, entityId, staleOn: gameId, livesOn: entry.gameId }, 'a reconnecting game announced a service shard that lives on another game; its copy is ignored');
  return true;
}

/** SERVICE_DECLARE: a game's services (this dispatcher's shards of them). The same from every game. */
export function onServiceDeclare(frame: OwnFrame, m: MessageValue<typeof MSG.SERVICE_DECLARE>): void {
  const { s } = frame;
  for (const entityId of m.entityIds) {
    const known = s.services.shards.get(entityId);
    if (known && (known.service !== m.name || known.persistent !== m.persistent)) {
      s.throttle.log('error', 'service-mismatch', { service: m.name, entityId, was: known.service }, 'games declare a service shard differently; keeping the first');
      continue;
    }
    if (!known) s.services.shards.set(entityId, { service: m.name, persistent: m.persistent });
  }
  placeServices(s);
  if (allReady(s)) s.codec.encodeTo(out(s, frame.link), MSG.SERVICES_READY, { dispatcherId: s.opts.id });
}

function allReady(s: DispatcherState): boolean {
  for (const id of s.services.shards.keys()) if (s.directory.get(id)?.state !== 'ready') return false;
  return s.services.shards.size > 0;
}

/** A created entity may be the last shard that was missing: every game then hears SERVICES_READY. */
export function serviceCreated(s: DispatcherState, entityId: string, gameId: number): void {
  if (!s.services.shards.has(entityId)) return;
  const failed = s.services.failingOver.get(entityId);
  if (failed) {
    s.services.failingOver.delete(entityId);
    const service = s.services.shards.get(entityId)!.service;
    const failoverMs = Math.round(s.now() - failed.since);
    s.services.metrics.failedOver(service, failoverMs);
    s.log.info({ service, entityId, from: failed.from, to: gameId, failoverMs }, 'service shard back after its game went down');
  }
  if (s.services.announced || !allReady(s)) return;
  s.services.announced = true;
  const body = s.codec.encode(MSG.SERVICES_READY, { dispatcherId: s.opts.id });
  for (const game of s.peers.games()) if (game.link) out(s, game.link).send(MSG.SERVICES_READY.id, body);
}

/**
 * A game was declared down: its service shards are placed again at once, on a live game, with the
 * frames they held (calls that arrive meanwhile are held behind them, within the pending bounds). Answers
 * the entities that are really lost. A shard no live game can take now is placed when one connects.
 */
export function replaceServices(s: DispatcherState, removed: DroppedEntry[], fromGame: number, why: 'failover' | 'stopped' = 'failover'): DroppedEntry[] {
  const lost: DroppedEntry[] = [];
  for (const d of removed) {
    const shard = s.services.shards.get(d.entityId);
    const game = shard ? targetGame(s) : undefined;
    if (!shard || !game) {
      lost.push(d);
      continue;
    }
    s.services.failingOver.set(d.entityId, { from: fromGame, since: s.now() });
    place(s, game, d.entityId, shard, why);
    const entry = s.directory.get(d.entityId)!;
    entry.held = d.entry.held;
  }
  countUnplaced(s);
  return lost;
}
