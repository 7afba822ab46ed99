import type { Logger, Metrics } from '../../observability/index.ts';
import type { Link, LinkLimits, LinkOptions } from '../../transport/index.ts';
import { linkPressureOptions, trackLinkGauges } from '../shared/link-pressure.ts';

export interface GameOverloadDeps {
  readonly log: Logger;
  readonly metrics?: Metrics;
  readonly now: () => number;
  readonly limits?: LinkLimits;
  /** A dispatcher link degraded this long makes the game refuse new boot entities and placements. */
  readonly refuseAfterMs: number;
  /** How many dispatchers the game has links to. */
  readonly dispatchers: number;
}

/**
 * The game's side of overload, in the order the issue asks for: a degraded dispatcher link slows and
 * coalesces position streams (outbound.ts reads `link.degraded`); one that stays degraded for
 * `refuseAfterMs` makes the game say "overloaded" in its load report, so the dispatchers place new
 * boot entities and entities elsewhere. Everything owed (calls, deltas) is sent regardless.
 */
export interface GameOverload {
  /** Options for the link to dispatcher `index` (0-based): watermarks, metrics, logs. */
  linkOptions(index: number): Pick<LinkOptions, keyof LinkLimits | 'onPressure'>;
  /** Reports the link's backlog gauges until it closes. */
  track(index: number, link: Link): void;
  /** The link closed: it no longer counts, and its gauges go. */
  untrack(index: number): void;
  /** True while some dispatcher link has stayed degraded for `refuseAfterMs`; logs each change. */
  overloaded(): boolean;
  /** A dispatcher says its link to a gate entered or left degraded mode (GATE_LINK_PRESSURE). */
  gatePressure(dispatcherId: number, gateId: number, degraded: boolean): void;
  /**
   * Whether the link that carries a gate's client traffic beyond the dispatcher is degraded: only the
   * dispatcher this game sends that gate's traffic through ((gateId - 1) % dispatchers) counts.
   */
  gateDegraded(gateId: number): boolean;
}

export function createGameOverload(deps: GameOverloadDeps): GameOverload {
  const degradedSince = new Map<number, number>();
  const untrackGauges = new Map<number, () => void>();
  const indexOf = new Map<Link, number>();
  const degradedGates = new Set<number>();
  let refusing = false;
  const peer = (index: number) => `dispatcher-${index + 1}`;
  const pressure = linkPressureOptions(
    {
      ...deps,
      onChange(link, degraded) {
        const index = indexOf.get(link);
        if (index === undefined) return;
        if (degraded) degradedSince.set(index, deps.now());
        else degradedSince.delete(index);
      },
    },
    (link) => peer(indexOf.get(link) ?? -1),
  );
  return {
    linkOptions: () => pressure,
    track(index, link) {
      indexOf.set(link, index);
      if (link.degraded) degradedSince.set(index, deps.now());
      untrackGauges.set(index, trackLinkGauges(deps.metrics, link, () => peer(index)));
    },
    untrack(index) {
      degradedSince.delete(index);
      // A reconnect brings a new link for the same dispatcher: the old one must not stay named.
      for (const [link, at] of indexOf) if (at === index) indexOf.delete(link);
      untrackGauges.get(index)?.();
      untrackGauges.delete(index);
    },
    gatePressure(dispatcherId, gateId, degraded) {
      if ((gateId - 1) % deps.dispatchers !== dispatcherId - 1) return;
      if (degraded) degradedGates.add(gateId);
      else degradedGates.delete(gateId);
    },
    gateDegraded: (gateId) => degradedGates.size > 0 && degradedGates.has(gateId),
    overloaded() {
      const now = deps.now();
      let longest = 0;
      for (const since of degradedSince.values()) longest = Math.max(longest, now - since);
      const next = degradedSince.size > 0 && longest >= deps.refuseAfterMs;
      if (next !== refusing) {
        refusing = next;
        if (next) deps.log.warn({ degradedMs: Math.round(longest) }, 'overloaded: a dispatcher link stayed degraded; refusing new boot entities and placements');
        else deps.log.info('no longer overloaded: accepting new boot entities and placements again');
      }
      return refusing;
    },
  };
}
