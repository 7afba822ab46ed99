import type { Link, ListenLinksOptions } from '../../transport/index.ts';
import { linkPressureOptions, trackLinkGauges } from '../shared/link-pressure.ts';
import type { DispatcherState } from './dispatcher-state.ts';
import { peerAddress } from './frame-guard.ts';
import { broadcastGames } from './routing.ts';
import { MSG } from '../../protocol/index.ts';

/** A gate's link changed mode: the games slow (or restore) their position streams to its clients. */
function tellGames(s: DispatcherState, link: Link, degraded: boolean): void {
  const gate = s.peers.gateOfLink(link);
  if (!gate) return;
  const body = s.codec.encode(MSG.GATE_LINK_PRESSURE, { dispatcherId: s.opts.id, gateId: gate.id, degraded });
  broadcastGames(s, MSG.GATE_LINK_PRESSURE.id, body);
}

/**
 * Watermarks, backlog gauges and degraded-mode counts for every link a dispatcher accepts. A link is
 * named by its peer once it said hello (`game-2`, `gate-1`), by its address before.
 */
export function dispatcherLinkPressure(s: DispatcherState): {
  /** The listen options with the watermarks added, and each link's gauges kept from onLink to onClose. */
  around(options: ListenLinksOptions): ListenLinksOptions;
} {
  const peerOf = (link: Link): string => {
    const game = s.peers.gameOfLink(link);
    if (game) return `game-${game.id}`;
    const gate = s.peers.gateOfLink(link);
    return gate ? `gate-${gate.id}` : peerAddress(link);
  };
  const untrack = new Map<Link, () => void>();
  const pressure = linkPressureOptions(
    { log: s.opts.log, metrics: s.opts.metrics, now: s.now, limits: s.opts.links, onChange: (link, degraded) => tellGames(s, link, degraded) },
    peerOf,
  );
  return {
    around: (options) => ({
      ...options,
      ...pressure,
      onLink(link) {
        untrack.set(link, trackLinkGauges(s.opts.metrics, link, () => peerOf(link)));
        options.onLink?.(link);
      },
      onClose(link, error) {
        untrack.get(link)?.();
        untrack.delete(link);
        options.onClose?.(link, error);
      },
    }),
  };
}
