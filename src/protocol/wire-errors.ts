import { TsworldError } from '../core/errors.ts';

/**
 * Why a peer's bytes were refused. Every fault maps to one WebSocket close code so a client (and a log
 * reader) can tell "you sent garbage" from "you were too fast" without parsing a reason string.
 */
export type WireFault =
  | 'frame-too-large'
  | 'frame-malformed'
  | 'unknown-type'
  | 'wrong-direction'
  | 'bad-body'
  | 'rate-limit'
  | 'heartbeat-timeout'
  | 'not-allowed'
  | 'backpressure'
  | 'protocol-version'
  | 'handshake'
  | 'kicked'
  | 'overloaded'
  | 'server-shutdown';

/**
 * Close codes sent by the gate (RFC 6455 leaves 4000–4999 to applications; 1009 is the standard
 * "message too big" code, which uWS and ws already use when `maxPayload` is exceeded).
 */
export const CLOSE_CODES = {
  normal: 1000,
  'server-shutdown': 1001,
  'frame-too-large': 1009,
  'frame-malformed': 4000,
  'unknown-type': 4001,
  'wrong-direction': 4002,
  'bad-body': 4003,
  'rate-limit': 4004,
  'heartbeat-timeout': 4005,
  'not-allowed': 4006,
  backpressure: 4007,
  'protocol-version': 4008,
  handshake: 4009,
  /** Not a fault of the client's bytes: game code disconnected it (ClusterApi.kickClient). */
  kicked: 4010,
  /** Not a fault of the client's: every game is overloaded, so no boot entity can be made. Retry later. */
  overloaded: 1013,
} as const satisfies Record<WireFault | 'normal', number>;

export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/**
 * A protocol violation by a peer. Decoders on hot paths RETURN this (they never throw through a socket
 * handler); the transport turns it into an error event and a close with `closeCode`.
 */
export class ProtocolError extends TsworldError {
  readonly fault: WireFault;

  constructor(fault: WireFault, message: string, options?: { cause?: unknown }) {
    super('PROTOCOL_VIOLATION', message, options);
    this.name = 'ProtocolError';
    this.fault = fault;
  }

  get closeCode(): CloseCode {
    return CLOSE_CODES[this.fault];
  }
}

export function isProtocolError(value: unknown): value is ProtocolError {
  return value instanceof ProtocolError;
}
