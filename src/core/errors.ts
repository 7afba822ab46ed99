/**
 * Errors that cross a boundary carry a stable `code` so callers (and remote peers) can branch on it
 * without parsing messages, and an optional `cause` so the original failure is never lost.
 */
export type ErrorCode =
  | 'CAPACITY_EXCEEDED'
  | 'INVALID_ARGUMENT'
  | 'INVALID_DECLARATION'
  | 'UNKNOWN_ENTITY'
  | 'UNKNOWN_ENTITY_TYPE'
  | 'UNKNOWN_METHOD'
  | 'UNKNOWN_SPACE'
  | 'INVALID_STATE'
  | 'SCHEMA_MISMATCH'
  | 'PERMISSION_DENIED'
  | 'HANDLER_FAILED'
  // Wire layer: a peer sent bytes that break the protocol (detail in ProtocolError.fault).
  | 'PROTOCOL_VIOLATION'
  // Wire layer: a socket failed, closed, or could not keep up (backpressure bound exceeded).
  | 'TRANSPORT_FAILURE'
  // Config: a deployment config file is missing, unparsable or invalid (every problem is listed).
  | 'INVALID_CONFIG'
  // Storage: the backend (LMDB, Redis) failed an operation; the backend's error is the cause.
  | 'STORAGE_FAILURE'
  // Storage: a save carried a generation (fencing token) older than one claimed since: a newer instance of
  // the entity exists elsewhere, and this writer must not overwrite its saves.
  | 'STALE_GENERATION';

export class TsworldError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TsworldError';
    this.code = code;
  }
}
