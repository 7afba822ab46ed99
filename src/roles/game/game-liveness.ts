import { DEFAULTS } from '../../config/deployment-schema.ts';
import { MSG } from '../../protocol/index.ts';
import { createLiveness, type Liveness } from '../shared/link-liveness.ts';
import type { GameState } from './game-state.ts';

/**
 * The game's side of link liveness. Heartbeats go out with the tick's flush, so a game whose loop
 * stalls falls silent and its dispatchers declare it down. A dispatcher that falls silent is treated as
 * lost (its link is dropped, and the usual lost-dispatcher path runs).
 *
 * Fencing: a game that stood still past the timeout has been declared down, and its persistent
 * entities may already be loaded elsewhere. Whatever runs first when it wakes (a tick, a frame that
 * was waiting in its socket, the close of its link) checks `fencedByStall` first, and the game exits
 * without saving instead of acting on stale state. The storage generation is the second line: a save
 * from a fenced game that slips through is refused by the storage itself.
 */
export function startGameLiveness(s: GameState): Liveness {
  const { clock, scheduler } = s.opts.runtime;
  const settings = s.opts.liveness ?? DEFAULTS.liveness;
  return createLiveness({
    ...settings,
    clock,
    scheduler,
    beat: (link) => s.codec.encodeTo(link, MSG.LINK_HEARTBEAT, {}),
    onSuspect(link, silentMs) {
      s.faults.suspect('dispatcher');
      s.log.warn({ dispatcher: s.links.indexOf(link) + 1, silentMs: Math.round(silentMs) }, 'dispatcher SUSPECT: no bytes for half the liveness timeout');
    },
    onDown(link, silentMs) {
      s.faults.down('dispatcher', 'heartbeat', silentMs);
      s.log.error({ dispatcher: s.links.indexOf(link) + 1, detectionMs: Math.round(silentMs) }, 'dispatcher silent past the liveness timeout: dropping its link');
      link.destroy();
    },
    onStall(stalledMs) {
      s.faults.stalled(stalledMs);
      if (stalledMs >= settings.timeoutMs) fence(s, stalledMs);
      else s.log.warn({ stalledMs: Math.round(stalledMs) }, 'the game loop stalled (still within the liveness timeout)');
    },
  });
}

/** The game is alive now: called every tick, so the gap since the last call measures a stall. */
export function markAlive(s: GameState): void {
  s.aliveAt = s.opts.runtime.clock.now();
}

/** True (and the game fenced) when this process stood still past the liveness timeout. */
export function fencedByStall(s: GameState): boolean {
  if (s.fenced) return true;
  const timeoutMs = (s.opts.liveness ?? DEFAULTS.liveness).timeoutMs;
  const gap = s.opts.runtime.clock.now() - s.aliveAt;
  if (s.run !== 'running' || s.freezer.frozen || gap < timeoutMs) return false;
  fence(s, gap);
  return true;
}

function fence(s: GameState, stalledMs: number): void {
  if (s.fenced) return;
  s.fenced = true;
  s.loop.stop();
  s.log.fatal(
    { stalledMs: Math.round(stalledMs) },
    'this game stood still longer than the liveness timeout: its dispatchers have declared it down and its entities may ' +
      'live elsewhere now; exiting without saving (fenced)',
  );
  s.opts.onFenced?.(`stalled ${Math.round(stalledMs)} ms`);
}
