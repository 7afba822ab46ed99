import type { ClientDisconnectReason } from '../../core/entity-type.ts';
import type { GameWorld } from '../../core/world-api.ts';
import type { Metrics } from '../../observability/index.ts';
import type { MSG, MessageValue } from '../../protocol/index.ts';
import type { Clock } from '../../tick/clock.ts';
import type { ClientFilters } from './client-filters.ts';
import type { ClientGrace, GraceReason } from './client-grace.ts';
import type { ClientHandoffs } from './client-handoffs.ts';
import type { ClientViews } from './client-views.ts';

/**
 * A game's side of client connections coming and going (SPEC.md, "Resume"). A connection that drops
 * (or whose gate dies) leaves its entity bound for resumeGraceMs: nothing is sent to it meanwhile (its
 * view is closed), and a client back in time with its token is rebound to the same entity and sent a
 * fresh snapshot. Game code hears onClientDisconnected only if the period ends first.
 */
export interface ClientSessions {
  disconnected(m: MessageValue<typeof MSG.NOTIFY_CLIENT_DISCONNECTED>): void;
  gateLost(gateId: number): void;
  resume(m: MessageValue<typeof MSG.CLIENT_RESUME>): void;
  /** Unbinds the clients whose grace ran out (the tick's inbound phase). */
  expire(): void;
}

export interface ClientSessionDeps {
  world(): GameWorld;
  /** Client id → gate id, for every client bound to an entity on this game and connected. */
  readonly clientGates: Map<string, number>;
  readonly handoffs: ClientHandoffs;
  readonly views: ClientViews;
  readonly grace: ClientGrace;
  readonly filters: ClientFilters;
  /** 0: a lost connection unbinds at once, as before resume existed. */
  readonly graceMs: number;
  readonly clock: Clock;
  readonly metrics?: Metrics;
  /** Sends NOTIFY_CLIENT_DISCONNECTED keyed by `entityId` through that entity's dispatcher. */
  forwardDisconnect(entityId: string, clientId: string, reason: string): void;
  /** RESUME_RESULT to the client through its gate (before the snapshot: both go on the gate's link). */
  answerResume(gateId: number, clientId: string, resumed: boolean, reason: string): void;
  /** SET_CLIENT_FILTER_PROP to a resumed client's gate, for each property it had. */
  restoreFilters(gateId: number, clientId: string, props: ReadonlyMap<string, string>): void;
}

/** What the gate said; anything else (a newer gate's word) is taken as a lost connection. */
function wireReason(reason: string): 'connection-lost' | 'client-closed' | 'kicked' {
  return reason === 'client-closed' || reason === 'kicked' ? reason : 'connection-lost';
}

export function createClientSessions(deps: ClientSessionDeps): ClientSessions {
  const { clientGates, handoffs, views, grace, filters, clock } = deps;
  /** Keeps the binding for the grace period, or unbinds now when there is none. */
  function suspend(clientId: string, entityId: string, reason: GraceReason): void {
    if (deps.graceMs <= 0) return unbind(entityId, clientId, reason);
    views.close(clientId);
    grace.start(clientId, entityId, reason, clock.now());
    deps.metrics?.setClientsInGrace(grace.size);
  }
  function unbind(entityId: string, clientId: string, reason: ClientDisconnectReason): void {
    grace.end(clientId);
    filters.forget(clientId);
    deps.world().setClient(entityId, null, reason);
  }
  return {
    disconnected(m) {
      const reason = wireReason(m.reason);
      const owner = deps.world().entityOfClient(m.clientId);
      if (owner && reason === 'connection-lost') suspend(m.clientId, owner.id, reason);
      else if (owner) unbind(owner.id, m.clientId, reason);
      else {
        filters.forget(m.clientId);
        const to = handoffs.takeHandOff(m.clientId);
        if (to !== undefined) deps.forwardDisconnect(to, m.clientId, m.reason);
        // Bound here later (a boot entity still being created, a hand-off still held): unbind then.
        else if (clientGates.has(m.clientId)) handoffs.markGone(m.clientId, clock.now());
      }
      clientGates.delete(m.clientId);
    },
    gateLost(gateId) {
      for (const [clientId, gate] of clientGates) {
        if (gate !== gateId) continue;
        const owner = deps.world().entityOfClient(clientId);
        if (owner) suspend(clientId, owner.id, 'gate-lost');
        else {
          filters.forget(clientId);
          handoffs.markGone(clientId, clock.now());
        }
        clientGates.delete(clientId);
      }
    },
    resume(m) {
      const world = deps.world();
      // The token proved the client id; the entity id only routed the resume here. Game code may have
      // given the client to another entity of this game meanwhile: the snapshot then shows that one.
      const owner = world.entityOfClient(m.previousClientId);
      if (!owner) {
        return deps.answerResume(m.gateId, m.clientId, false, `entity ${m.entityId} no longer waits for this client (its grace period ended, or it was given elsewhere)`);
      }
      grace.end(m.previousClientId);
      deps.metrics?.setClientsInGrace(grace.size);
      // A connection the client gave up on that its gate has not noticed yet: nothing more goes to it.
      views.close(m.previousClientId);
      clientGates.delete(m.previousClientId);
      clientGates.set(m.clientId, m.gateId);
      deps.answerResume(m.gateId, m.clientId, true, '');
      const props = filters.rename(m.previousClientId, m.clientId);
      if (props.size > 0) deps.restoreFilters(m.gateId, m.clientId, props);
      world.resumeClient(m.previousClientId, m.clientId);
    },
    expire() {
      if (grace.size === 0) return;
      const world = deps.world();
      grace.expire(clock.now(), deps.graceMs, (entry) => {
        // Whichever entity holds it now (game code may have given it to another one meanwhile).
        const holder = world.entityOfClient(entry.clientId);
        filters.forget(entry.clientId);
        if (!holder) return;
        world.setClient(holder.id, null, entry.reason);
        deps.metrics?.clientResumes('expired');
      });
      deps.metrics?.setClientsInGrace(grace.size);
    },
  };
}
