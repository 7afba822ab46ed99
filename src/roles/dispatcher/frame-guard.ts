import { TsworldError } from '../../core/errors.ts';
import type { LogThrottle, Metrics } from '../../observability/index.ts';
import { messageSpec } from '../../protocol/index.ts';
import type { Link } from '../../transport/index.ts';
import type { PeerTable } from './peers.ts';

/** Handles one frame; returns why the peer may not send it (then its link is closed). */
export type FrameStep = (link: Link, type: number, body: Uint8Array) => string | void;

export interface FrameGuardDeps {
  readonly peers: PeerTable;
  readonly throttle: LogThrottle;
  readonly metrics?: Metrics;
  /** The first frame of a link (it must be a hello). */
  readonly handshake: FrameStep;
  /** Every later frame. */
  readonly route: FrameStep;
}

/**
 * The dispatcher's onFrame. No input may throw out of it: the link layer would only report the throw
 * and keep the link open, still feeding frames. A protocol violation closes the link, with one
 * rate-limited warning naming the peer; any other throw is a dispatcher bug, logged, and costs only the
 * frame, so one bad frame cannot take down a healthy game's link.
 */
export function createFrameGuard(deps: FrameGuardDeps): (type: number, body: Uint8Array, link: Link) => void {
  const { peers, throttle } = deps;

  function closeForViolation(link: Link, reason: string): void {
    const game = peers.gameOfLink(link);
    const gate = peers.gateOfLink(link);
    const kind = game ? 'game' : gate ? 'gate' : 'unknown';
    deps.metrics?.refused('internal-protocol');
    const fields = { peer: peerAddress(link), kind, gameId: game?.id, gateId: gate?.id, reason };
    throttle.log('warn', `violation:${kind}`, fields, 'protocol violation on an internal link; closing it');
    // For a game this is a close like any other: it is declared down.
    link.destroy();
  }

  return (type, body, link) => {
    try {
      const step = peers.known(link) ? deps.route : deps.handshake;
      const violation = step(link, type, body);
      if (typeof violation === 'string') closeForViolation(link, violation);
    } catch (err) {
      if (err instanceof TsworldError && err.code === 'PROTOCOL_VIOLATION') return closeForViolation(link, err.message);
      const fields = { err, msg: messageSpec(type)?.name ?? type, peer: peerAddress(link) };
      throttle.log('error', 'handler-failed', fields, 'dispatcher failed on a frame; dropped it');
    }
  };
}

export function peerAddress(link: Link): string {
  return `${link.remoteAddress}:${link.remotePort}`;
}
