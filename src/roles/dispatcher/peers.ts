import { ownedCopy } from '../../protocol/index.ts';
import type { Scheduler } from '../../tick/clock.ts';
import type { Link } from '../../transport/index.ts';
import type { HeldFrame } from './directory.ts';

export type PeerState = 'live' | 'frozen' | 'stopping';

export interface GamePeer {
  readonly id: number;
  /** Null while a frozen game is between processes (hot swap). */
  link: Link | null;
  /** Measured tick busy fraction, as reported by the game. */
  load: number;
  /** Entities on the game at its last load report. */
  entityCount: number;
  /** Entities this dispatcher placed on it since that report (see placeOnLeastLoaded). */
  placedSinceReport: number;
  /** The game reported a dispatcher link degraded for too long: no new placements while another game can take them. */
  overloaded: boolean;
  /**
   * live: frames go to its link. frozen: from START_FREEZE until the restored process says hello,
   * frames are queued, not sent (its link is null once the old process has gone). stopping: it said
   * GAME_STOPPING, so its coming close is an orderly shutdown, not a failure.
   */
  state: PeerState;
  queue: HeldFrame[];
  /** Cancels the timer that declares a detached frozen game down. */
  downTimer: (() => void) | null;
}

export interface GatePeer {
  readonly id: number;
  readonly link: Link;
}

export interface PeerTable {
  attachGame(id: number, link: Link, isRestore: boolean): { game: GamePeer; flushed: HeldFrame[] };
  attachGate(id: number, link: Link): GatePeer;
  known(link: Link): boolean;
  game(id: number): GamePeer | undefined;
  gate(id: number): GatePeer | undefined;
  gameOfLink(link: Link): GamePeer | undefined;
  gateOfLink(link: Link): GatePeer | undefined;
  games(): IterableIterator<GamePeer>;
  gates(): IterableIterator<GatePeer>;
  liveGameCount(): number;
  gateCount(): number;
  removeGame(id: number): void;
  removeGate(id: number): void;
  reportLoad(id: number, load: number, overloaded?: boolean, entityCount?: number): void;
  /**
   * GoWorld's placement: lowest load, with a random 1.0–1.1 factor so equal games share new entities.
   * The game chosen is charged for the entity until its next load report.
   */
  placeOnLeastLoaded(): GamePeer | undefined;
  /** Boot entities go round-robin over live games, as in GoWorld; never to an overloaded one (undefined then). */
  nextBootGame(): GamePeer | undefined;
  /** Live games that report overload (their placements are refused). */
  overloadedCount(): number;
  freeze(game: GamePeer): void;
  holdForFrozen(game: GamePeer, type: number, body: Uint8Array, max: number): boolean;
  detachFrozen(game: GamePeer, maxMs: number, onTimeout: () => void): void;
  close(): void;
}

interface PeerTableDeps {
  now: () => number;
  random: () => number;
  scheduler: Scheduler;
}

/** The peer table's maps, which its functions take as their first argument. */
interface PeerTableState {
  readonly deps: PeerTableDeps;
  readonly games: Map<number, GamePeer>;
  readonly gates: Map<number, GatePeer>;
  readonly byLink: Map<Link, GamePeer | GatePeer>;
  readonly gameLinks: Set<Link>;
  bootCursor: number;
}

export function createPeerTable(deps: PeerTableDeps): PeerTable {
  const s: PeerTableState = { deps, games: new Map(), gates: new Map(), byLink: new Map(), gameLinks: new Set(), bootCursor: 0 };
  return {
    attachGame: (id, link, isRestore) => attachGame(s, id, link, isRestore),
    attachGate: (id, link) => attachGate(s, id, link),
    known: (link) => s.byLink.has(link),
    game: (id) => s.games.get(id),
    gate: (id) => s.gates.get(id),
    gameOfLink: (link) => (s.gameLinks.has(link) ? (s.byLink.get(link) as GamePeer) : undefined),
    gateOfLink: (link) => (s.byLink.has(link) && !s.gameLinks.has(link) ? (s.byLink.get(link) as GatePeer) : undefined),
    games: () => s.games.values(),
    gates: () => s.gates.values(),
    liveGameCount: () => live(s).length,
    gateCount: () => s.gates.size,
    removeGame: (id) => removeGame(s, id),
    removeGate: (id) => removeGate(s, id),
    reportLoad: (id, load, overloaded = false, entityCount = 0) => reportLoad(s, id, load, overloaded, entityCount),
    placeOnLeastLoaded: () => placeOnLeastLoaded(s),
    nextBootGame: () => nextBootGame(s),
    overloadedCount: () => live(s).filter((g) => g.overloaded).length,
    freeze(game) {
      game.state = 'frozen';
    },
    holdForFrozen: (game, type, body, max) => holdForFrozen(game, type, body, max),
    detachFrozen: (game, maxMs, onTimeout) => detachFrozen(s, game, maxMs, onTimeout),
    close: () => close(s),
  };
}

function live(s: PeerTableState): GamePeer[] {
  return [...s.games.values()].filter((g) => g.link !== null && g.state !== 'frozen');
}

/**
 * Where new entities may go: live games, or, while every game is frozen for a hot swap, the frozen
 * ones (their queue delivers the request to the restored process, in order; nothing is dropped).
 */
function placeable(s: PeerTableState): GamePeer[] {
  const up = live(s);
  return up.length > 0 ? up : [...s.games.values()].filter((g) => g.state === 'frozen');
}

/** A game's link stops naming it. */
function forgetGameLink(s: PeerTableState, link: Link): void {
  s.byLink.delete(link);
  s.gameLinks.delete(link);
}

function attachGame(s: PeerTableState, id: number, link: Link, isRestore: boolean): { game: GamePeer; flushed: HeldFrame[] } {
  const existing = s.games.get(id);
  let flushed: HeldFrame[] = [];
  if (existing && isRestore) {
    // The frozen process may not have closed its link yet; from now on that link means nothing.
    if (existing.link && existing.link !== link) forgetGameLink(s, existing.link);
    existing.downTimer?.();
    existing.downTimer = null;
    existing.link = link;
    existing.state = 'live';
    flushed = existing.queue;
    existing.queue = [];
  } else if (existing?.link) {
    // A second process claiming a live game id is a deployment error; the newer one wins so a
    // restarted game is not locked out by a half-dead connection.
    forgetGameLink(s, existing.link);
    existing.link.destroy();
  }
  const game: GamePeer = existing && isRestore
    ? existing
    : { id, link, load: 0, entityCount: 0, placedSinceReport: 0, overloaded: false, state: 'live', queue: [], downTimer: null };
  s.games.set(id, game);
  s.byLink.set(link, game);
  s.gameLinks.add(link);
  return { game, flushed };
}

function attachGate(s: PeerTableState, id: number, link: Link): GatePeer {
  const gate: GatePeer = { id, link };
  s.gates.set(id, gate);
  s.byLink.set(link, gate);
  return gate;
}

function removeGame(s: PeerTableState, id: number): void {
  const game = s.games.get(id);
  if (!game) return;
  game.downTimer?.();
  if (game.link) forgetGameLink(s, game.link);
  s.games.delete(id);
}

function removeGate(s: PeerTableState, id: number): void {
  const gate = s.gates.get(id);
  if (!gate) return;
  s.byLink.delete(gate.link);
  s.gates.delete(id);
}

function reportLoad(s: PeerTableState, id: number, load: number, overloaded: boolean, entityCount: number): void {
  const game = s.games.get(id);
  if (!game) return;
  game.load = load;
  game.entityCount = entityCount;
  game.placedSinceReport = 0;
  game.overloaded = overloaded;
}

/**
 * The least load an entity is assumed to add (half a percent of a tick budget). Idle games report
 * almost no tick time, and what they report is timer noise: without a floor an entity would cost
 * nothing until the next report. Overcharging only spreads a burst more evenly than the loads say,
 * and the next report corrects it.
 */
const MIN_LOAD_PER_ENTITY = 0.005;

/**
 * A game's load as of now: its report plus the entities placed on it since. GoWorld reads only the
 * report, so a burst of logins inside one report period (a second) all lands on the game that was
 * least loaded when it began; charging each placement spreads the burst.
 */
function estimatedLoad(game: GamePeer): number {
  const perEntity = Math.max(MIN_LOAD_PER_ENTITY, game.entityCount > 0 ? game.load / game.entityCount : 0);
  return game.load + game.placedSinceReport * perEntity;
}

/**
 * Overloaded games are passed over while another can take the entity. If every game is overloaded the
 * entity still goes to the least loaded: game code already holds its id and may call it.
 */
function placeOnLeastLoaded(s: PeerTableState): GamePeer | undefined {
  let best: GamePeer | undefined;
  let bestScore = Infinity;
  const candidates = placeable(s);
  const fit = candidates.filter((g) => !g.overloaded);
  for (const game of fit.length > 0 ? fit : candidates) {
    const score = (estimatedLoad(game) + 0.01) * (1 + s.deps.random() * 0.1);
    if (score < bestScore) {
      best = game;
      bestScore = score;
    }
  }
  if (best) best.placedSinceReport++;
  return best;
}

function nextBootGame(s: PeerTableState): GamePeer | undefined {
  const candidates = placeable(s).filter((g) => !g.overloaded).sort((a, b) => a.id - b.id);
  if (candidates.length === 0) return undefined;
  return candidates[s.bootCursor++ % candidates.length];
}

function holdForFrozen(game: GamePeer, type: number, body: Uint8Array, max: number): boolean {
  if (game.queue.length >= max) return false;
  game.queue.push({ type, body: ownedCopy(body) });
  return true;
}

function detachFrozen(s: PeerTableState, game: GamePeer, maxMs: number, onTimeout: () => void): void {
  if (game.link) forgetGameLink(s, game.link);
  game.link = null;
  game.downTimer = s.deps.scheduler.schedule(onTimeout, maxMs);
}

function close(s: PeerTableState): void {
  for (const game of s.games.values()) game.downTimer?.();
}
