import type { EntityId } from '../../core/entity-id.ts';

/** Why a bound client's connection went without it leaving: its socket dropped, or its whole gate. */
export type GraceReason = 'connection-lost' | 'gate-lost';

/** One client in its grace period, as a hot-swap snapshot keeps it. */
export interface GraceDump {
  readonly clientId: string;
  readonly entityId: EntityId;
  readonly reason: GraceReason;
  readonly since: number;
}

/**
 * Clients whose connection is gone but whose entity keeps them bound for resumeGraceMs (SPEC.md,
 * "Resume"): a client that comes back with its token in time gets the same entity, and game code sees
 * nothing; one that does not is unbound when the period ends, and only then hears onClientDisconnected.
 * Entries are kept in start order, and every entry has the same period, so expiry stops at the first
 * entry still within it.
 */
export interface ClientGrace {
  start(clientId: string, entityId: EntityId, reason: GraceReason, now: number): void;
  /** The client resumed (or its binding ended otherwise): it no longer expires. */
  end(clientId: string): void;
  /** Removes and reports every client gone for longer than `graceMs`, oldest first. */
  expire(now: number, graceMs: number, fn: (entry: GraceDump) => void): void;
  readonly size: number;
  dump(): GraceDump[];
  restore(dumps: readonly GraceDump[]): void;
}

export function createClientGrace(): ClientGrace {
  const entries = new Map<string, GraceDump>();
  return {
    start(clientId, entityId, reason, now) {
      entries.delete(clientId);
      entries.set(clientId, { clientId, entityId, reason, since: now });
    },
    end(clientId) {
      entries.delete(clientId);
    },
    expire(now, graceMs, fn) {
      for (const entry of entries.values()) {
        if (now - entry.since < graceMs) return;
        entries.delete(entry.clientId);
        fn(entry);
      }
    },
    get size() {
      return entries.size;
    },
    dump: () => [...entries.values()],
    restore(dumps) {
      for (const d of [...dumps].sort((a, b) => a.since - b.since)) entries.set(d.clientId, { ...d });
    },
  };
}
