import { CLOSE_CODES, MSG, type MessageValue } from '../../protocol/index.ts';
import { type DispatcherState, gateLink } from './dispatcher-state.ts';
import { placeOn } from './routing.ts';

/**
 * A new client's boot entity, round-robin over the games that are not overloaded. When every game is
 * overloaded the client is refused at once (closed with 1013, "try again later") rather than left
 * waiting for an entity that never comes; the refusal is counted as `placement-overloaded`.
 */
export function placeBootEntity(s: DispatcherState, m: MessageValue<typeof MSG.NOTIFY_CLIENT_CONNECTED>, body: Uint8Array): void {
  const overloaded = s.peers.overloadedCount();
  const target = s.peers.nextBootGame();
  if (overloaded > 0) s.opts.metrics?.refused('placement-overloaded');
  if (target) return placeOn(s, target, m.entityId, MSG.NOTIFY_CLIENT_CONNECTED.id, body);
  if (overloaded === 0) return s.log.error('client connected but no game can take its boot entity');
  const link = gateLink(s, m.gateId);
  s.throttle.log('warn', 'placement-overloaded', { gateId: m.gateId }, 'every game is overloaded: refusing a new client (1013)');
  if (link) {
    s.codec.encodeTo(link, MSG.KICK_CLIENT, {
      gateId: m.gateId,
      clientId: m.clientId,
      code: CLOSE_CODES.overloaded,
      reason: 'server overloaded, try again later',
    });
  }
}

/** A placement that passed over an overloaded game counts as refused there. */
export function countPassedOver(s: DispatcherState): void {
  if (s.peers.overloadedCount() > 0) s.opts.metrics?.refused('placement-overloaded');
}
