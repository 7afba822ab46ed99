import type { Scheduler } from '../../tick/clock.ts';
import type { Link } from '../../transport/index.ts';
import type { HeldFrame } from './directory.ts';

export interface GamePeer {
  readonly id: number;
  /** Null while a frozen game is between processes (hot swap). */
  link: Link | null;
  /** Measured tick busy fraction, as reported by the game. */
  load: number;
  /** True from START_FREEZE until the restored process says hello: frames are queued, not sent. */
  frozen: boolean;
  /** Said GAME_STOPPING: its coming close is an orderly shutdown, not a failure. */
  stopping: boolean;
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
  reportLoad(id: number, load: number): void;
  /** GoWorld's placement: lowest load, with a random 1.0–1.1 factor so equal games share new entities. */
  leastLoadedGame(): GamePeer | undefined;
  /** Boot entities go round-robin over live games, as in GoWorld. */
  nextBootGame(): GamePeer | undefined;
  freeze(game: GamePeer): void;
  holdForFrozen(game: GamePeer, type: number, body: Uint8Array, max: number): boolean;
  detachFrozen(game: GamePeer, maxMs: number, onTimeout: () => void): void;
  close(): void;
}

export function createPeerTable(deps: { now: () => number; random: () => number; scheduler: Scheduler }): PeerTable {
  const games = new Map<number, GamePeer>();
  const gates = new Map<number, GatePeer>();
  const byLink = new Map<Link, GamePeer | GatePeer>();
  const gameLinks = new Set<Link>();
  let bootCursor = 0;

  const live = (): GamePeer[] => [...games.values()].filter((g) => g.link !== null && !g.frozen);
  /**
   * Where new entities may go: live games, or, while every game is frozen for a hot swap, the frozen
   * ones (their queue delivers the request to the restored process, in order; nothing is dropped).
   */
  const placeable = (): GamePeer[] => {
    const up = live();
    return up.length > 0 ? up : [...games.values()].filter((g) => g.frozen);
  };

  return {
    attachGame(id, link, isRestore) {
      const existing = games.get(id);
      let flushed: HeldFrame[] = [];
      if (existing && isRestore) {
        // The frozen process may not have closed its link yet; from now on that link means nothing.
        if (existing.link && existing.link !== link) {
          byLink.delete(existing.link);
          gameLinks.delete(existing.link);
        }
        existing.downTimer?.();
        existing.downTimer = null;
        existing.link = link;
        existing.frozen = false;
        flushed = existing.queue;
        existing.queue = [];
      } else if (existing?.link) {
        // A second process claiming a live game id is a deployment error; the newer one wins so a
        // restarted game is not locked out by a half-dead connection.
        byLink.delete(existing.link);
        gameLinks.delete(existing.link);
        existing.link.destroy();
      }
      const game: GamePeer = existing && isRestore
        ? existing
        : { id, link, load: 0, frozen: false, stopping: false, queue: [], downTimer: null };
      games.set(id, game);
      byLink.set(link, game);
      gameLinks.add(link);
      return { game, flushed };
    },
    attachGate(id, link) {
      const gate: GatePeer = { id, link };
      gates.set(id, gate);
      byLink.set(link, gate);
      return gate;
    },
    known: (link) => byLink.has(link),
    game: (id) => games.get(id),
    gate: (id) => gates.get(id),
    gameOfLink: (link) => (gameLinks.has(link) ? (byLink.get(link) as GamePeer) : undefined),
    gateOfLink: (link) => (byLink.has(link) && !gameLinks.has(link) ? (byLink.get(link) as GatePeer) : undefined),
    games: () => games.values(),
    gates: () => gates.values(),
    liveGameCount: () => live().length,
    gateCount: () => gates.size,
    removeGame(id) {
      const game = games.get(id);
      if (!game) return;
      game.downTimer?.();
      if (game.link) {
        byLink.delete(game.link);
        gameLinks.delete(game.link);
      }
      games.delete(id);
    },
    removeGate(id) {
      const gate = gates.get(id);
      if (!gate) return;
      byLink.delete(gate.link);
      gates.delete(id);
    },
    reportLoad(id, load) {
      const game = games.get(id);
      if (game) game.load = load;
    },
    leastLoadedGame() {
      let best: GamePeer | undefined;
      let bestScore = Infinity;
      for (const game of placeable()) {
        const score = (game.load + 0.01) * (1 + deps.random() * 0.1);
        if (score < bestScore) {
          best = game;
          bestScore = score;
        }
      }
      return best;
    },
    nextBootGame() {
      const candidates = placeable().sort((a, b) => a.id - b.id);
      if (candidates.length === 0) return undefined;
      return candidates[bootCursor++ % candidates.length];
    },
    freeze(game) {
      game.frozen = true;
    },
    holdForFrozen(game, type, body, max) {
      if (game.queue.length >= max) return false;
      game.queue.push({ type, body: body.slice() });
      return true;
    },
    detachFrozen(game, maxMs, onTimeout) {
      if (game.link) {
        byLink.delete(game.link);
        gameLinks.delete(game.link);
      }
      game.link = null;
      game.downTimer = deps.scheduler.schedule(onTimeout, maxMs);
    },
    close() {
      for (const game of games.values()) game.downTimer?.();
    },
  };
}
