import { DEFAULTS } from '../../config/deployment-schema.ts';
import { MSG } from '../../protocol/index.ts';
import { createClientSessions, type ClientSessions } from './client-sessions.ts';
import { type GameState, gateLink, linkFor } from './game-state.ts';

/** A game process's client sessions: grace periods on its clock, answers through its dispatcher links. */
export function createGameSessions(s: GameState): ClientSessions {
  const { codec, opts } = s;
  return createClientSessions({
    world: () => s.world,
    clientGates: s.clientGates,
    handoffs: s.handoffs,
    views: s.views,
    grace: s.grace,
    filters: s.filters,
    graceMs: opts.resumeGraceMs ?? DEFAULTS.gate.resumeGraceMs,
    clock: opts.runtime.clock,
    metrics: opts.metrics,
    forwardDisconnect(entityId, clientId, reason) {
      const link = linkFor(s, entityId);
      if (link) codec.encodeTo(link, MSG.NOTIFY_CLIENT_DISCONNECTED, { entityId, clientId, reason });
    },
    answerResume(gateId, clientId, resumed, reason) {
      const link = gateLink(s, gateId);
      if (link) codec.encodeTo(link, MSG.RESUME_RESULT, { gateId, clientId, resumed, reason });
    },
    restoreFilters(gateId, clientId, props) {
      const link = gateLink(s, gateId);
      for (const [key, value] of props) if (link) codec.encodeTo(link, MSG.SET_CLIENT_FILTER_PROP, { gateId, clientId, key, value });
    },
  });
}
