/**
 * Codes of the ERROR message (server → client): a refused request the client can recover from, the
 * connection stays open. Garbage on the wire is not answered this way but with a close (CLOSE_CODES).
 */
export const CLIENT_ERROR_CODES = {
  UNKNOWN_ENTITY: 1,
  UNKNOWN_METHOD: 2,
  PERMISSION_DENIED: 3,
  INVALID_ARGUMENT: 4,
  HANDLER_FAILED: 5,
  /** The entity's game is down (declared down by the dispatcher): the call can never be delivered. */
  UNREACHABLE: 6,
  /** A request over the gate's `maxPendingRequests` for this client (RESPONSE only). */
  TOO_MANY_REQUESTS: 7,
  /** No answer within the gate's `requestTimeoutMs` (RESPONSE only). */
  TIMEOUT: 8,
  INTERNAL: 99,
} as const;

export type ClientErrorName = keyof typeof CLIENT_ERROR_CODES;

/** Maps an engine error code to its ERROR code; anything unexpected is INTERNAL (details stay in the log). */
export function clientErrorCode(code: string): number {
  return (CLIENT_ERROR_CODES as Record<string, number>)[code] ?? CLIENT_ERROR_CODES.INTERNAL;
}
