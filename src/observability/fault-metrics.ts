import { Counter, Gauge } from 'prom-client';
import type { Metrics } from './metrics.ts';

/**
 * What a process reports about failures it detects: peers that went quiet (SUSPECT, then DOWN, with how
 * long the silence lasted), calls that failed because their target is unreachable, and its own loop
 * stalls. Registered on the process's registry next to the standard metrics; without a Metrics (unit
 * tests) every method is a no-op.
 */
export interface FaultMetrics {
  /** A peer (role 'game' | 'gate' | 'dispatcher') went silent for half the timeout. */
  suspect(role: string): void;
  /** A peer was declared down, and how long it had been silent (the detection time). */
  down(role: string, reason: string, silentMs: number): void;
  /** A call that can never be delivered, answered with an error code (CLIENT_ERROR_CODES name). */
  callFailed(code: string): void;
  /** Entities remembered as lost (their game is down): a call to one fails at once. */
  setLost(count: number): void;
  /** This process's own event loop did not run for `ms`. */
  stalled(ms: number): void;
  /** Frames acknowledged although a save they started had not finished within `links.ackHoldMaxMs`. */
  ackHoldsExpired(frames: number): void;
}

const NONE: FaultMetrics = {
  suspect: () => undefined,
  down: () => undefined,
  callFailed: () => undefined,
  setLost: () => undefined,
  stalled: () => undefined,
  ackHoldsExpired: () => undefined,
};

export function createFaultMetrics(metrics: Metrics | undefined): FaultMetrics {
  if (!metrics) return NONE;
  const registers = [metrics.registry];
  const suspects = new Counter({ name: 'tsworld_peer_suspect_total', help: 'Peers that went silent for half the liveness timeout.', labelNames: ['peer'], registers });
  const downs = new Counter({ name: 'tsworld_peer_down_total', help: 'Peers declared down, by why.', labelNames: ['peer', 'reason'], registers });
  const detection = new Gauge({ name: 'tsworld_peer_down_detection_ms', help: 'Silence before the last peer was declared down, in ms.', labelNames: ['peer'], registers });
  const failures = new Counter({ name: 'tsworld_call_failures_total', help: 'Calls answered with an error because they can never be delivered, by code.', labelNames: ['code'], registers });
  const lost = new Gauge({ name: 'tsworld_lost_entities', help: 'Entities of games declared down, remembered so calls to them fail at once.', registers });
  const stalls = new Counter({ name: 'tsworld_loop_stalls_total', help: 'Times this process\'s own event loop stood still past two heartbeat periods.', registers });
  const holds = new Counter({ name: 'tsworld_ack_holds_expired_total', help: 'Frames acknowledged although a save they started had not finished within links.ackHoldMaxMs.', registers });
  const lastStall = new Gauge({ name: 'tsworld_loop_stall_ms', help: 'The last stall of this process\'s own event loop, in ms.', registers });
  return {
    suspect: (peer) => suspects.labels(peer).inc(),
    down(peer, reason, silentMs) {
      downs.labels(peer, reason).inc();
      detection.labels(peer).set(silentMs);
    },
    callFailed: (code) => failures.labels(code).inc(),
    setLost: (count) => lost.set(count),
    stalled(ms) {
      stalls.inc();
      lastStall.set(ms);
    },
    ackHoldsExpired: (frames) => holds.inc(frames),
  };
}
