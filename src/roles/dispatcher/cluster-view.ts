import type { DispatcherState } from './dispatcher-state.ts';
import { peerAddress } from './frame-guard.ts';

/**
 * What one dispatcher knows of the deployment: the games and gates linked to it now. Served as JSON on
 * its metrics port (`GET /cluster`), where `tsworld status` on any host merges it with its own run files.
 */
export interface ClusterView {
  readonly dispatcher: number;
  readonly run: 'starting' | 'ready' | 'closing';
  /** Seconds since this dispatcher started (on its runtime's clock). */
  readonly uptimeSec: number;
  readonly entities: number;
  /** state: live, frozen (between processes in a hot swap) or stopping; address: the peer's end of the link. */
  readonly games: readonly { readonly id: number; readonly state: string; readonly load: number; readonly overloaded: boolean; readonly address: string | null }[];
  readonly gates: readonly { readonly id: number; readonly address: string }[];
}

export function clusterView(s: DispatcherState, startedAt: number): ClusterView {
  return {
    dispatcher: s.opts.id,
    run: s.run,
    uptimeSec: Math.round((s.now() - startedAt) / 1000),
    entities: s.directory.size,
    games: [...s.peers.games()]
      .map((g) => ({ id: g.id, state: g.state, load: g.load, overloaded: g.overloaded, address: g.link ? peerAddress(g.link) : null }))
      .sort((a, b) => a.id - b.id),
    gates: [...s.peers.gates()].map((g) => ({ id: g.id, address: peerAddress(g.link) })).sort((a, b) => a.id - b.id),
  };
}
