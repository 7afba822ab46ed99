import type { Link, LinkOptions } from '../../transport/index.ts';
import { linkPressureOptions, trackLinkGauges } from '../shared/link-pressure.ts';
import type { DispatcherState } from './dispatcher-state.ts';
import { peerAddress } from './frame-guard.ts';

/**
 * Watermarks, backlog gauges and degraded-mode counts for every link a dispatcher accepts. A link is
 * named by its peer once it said hello (`game-2`, `gate-1`), by its address before.
 */
export function dispatcherLinkPressure(s: DispatcherState): {
  options: Pick<LinkOptions, 'highWatermarkBytes' | 'lowWatermarkBytes' | 'maxPendingBytes' | 'onPressure'>;
  track(link: Link): void;
  untrack(link: Link): void;
} {
  const peerOf = (link: Link): string => {
    const game = s.peers.gameOfLink(link);
    if (game) return `game-${game.id}`;
    const gate = s.peers.gateOfLink(link);
    return gate ? `gate-${gate.id}` : peerAddress(link);
  };
  const untrack = new Map<Link, () => void>();
  return {
    options: linkPressureOptions({ log: s.opts.log, metrics: s.opts.metrics, now: s.now, limits: s.opts.links }, peerOf),
    track(link) {
      untrack.set(link, trackLinkGauges(s.opts.metrics, link, () => peerOf(link)));
    },
    untrack(link) {
      untrack.get(link)?.();
      untrack.delete(link);
    },
  };
}
