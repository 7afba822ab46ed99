import type { Logger, Metrics } from '../../observability/index.ts';
import type { Link, LinkLimits, LinkOptions } from '../../transport/index.ts';

export interface LinkPressureDeps {
  readonly log: Logger;
  readonly metrics?: Metrics;
  readonly now: () => number;
  readonly limits?: LinkLimits;
  /** Called after each change, e.g. so the game lowers its position rate to that destination. */
  readonly onChange?: (link: Link, degraded: boolean) => void;
}

/**
 * The link options every role gives its internal links: the configured watermarks, and an `onPressure`
 * that counts each degraded period (entries and seconds) per destination and logs its start and end.
 * `peerOf` names the destination (a dispatcher's accepted links learn theirs only at hello).
 */
export function linkPressureOptions(deps: LinkPressureDeps, peerOf: (link: Link) => string): Pick<LinkOptions, keyof LinkLimits | 'onPressure'> {
  const since = new Map<Link, number>();
  return {
    ...deps.limits,
    onPressure(link, degraded) {
      const peer = peerOf(link);
      const now = deps.now();
      if (degraded) {
        since.set(link, now);
        deps.metrics?.linkDegraded(peer, true);
        deps.log.warn({ peer, backlogBytes: link.pendingBytes }, 'link degraded: backlog above the high watermark; shedding position streams');
      } else {
        const seconds = (now - (since.get(link) ?? now)) / 1000;
        since.delete(link);
        deps.metrics?.linkDegraded(peer, false, seconds);
        deps.log.info({ peer, backlogBytes: link.pendingBytes, degradedMs: Math.round(seconds * 1000) }, 'link recovered: backlog below the low watermark');
      }
      deps.onChange?.(link, degraded);
    },
  };
}

/** Reports a link's backlog and degraded flag at each scrape until it closes (call the result then). */
export function trackLinkGauges(metrics: Metrics | undefined, link: Link, peer: () => string): () => void {
  if (!metrics) return () => undefined;
  return metrics.trackLink({
    peer,
    backlogBytes: () => link.pendingBytes + link.batchedBytes,
    degraded: () => link.degraded,
    unackedBytes: () => link.unackedBytes ?? 0,
  });
}
