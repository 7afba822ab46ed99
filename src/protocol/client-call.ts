import { LIMITS } from './fields.ts';
import { SCAN_FAULT_TEXT, isMalformed, readArrayHeader, readStrHeader, skipValue, startScan } from './msgpack-scan.ts';
import type { ScanFault, ScanLimits } from './msgpack-scan.ts';
import { KEY_SIZE, isIdBytes, readId } from './routing-key.ts';
import { ProtocolError } from './wire-errors.ts';

/** Limits on the arguments of one client call; `maxArgs` is the protocol's (LIMITS.maxArgs). */
export type ArgLimits = ScanLimits;

/**
 * What the gate does with a CALL_ENTITY_METHOD_FROM_CLIENT body (`entityId | msgpack [method, args]`):
 * - `forward`: well-formed and within limits; `fields` is the msgpack part, to forward byte for byte;
 * - `refuse`: well-formed msgpack but a value outside the dialect or a limit: answered with ERROR
 *   INVALID_ARGUMENT (a conforming SDK can produce it from a user's arguments, so the connection stays);
 * - `close`: not a call at all (broken framing, wrong shape): the connection is closed with bad-body.
 */
export type ClientCallCheck =
  | { readonly kind: 'forward'; readonly entityId: string; readonly method: string; readonly fields: Uint8Array }
  | { readonly kind: 'refuse'; readonly entityId: string; readonly method: string; readonly fault: ScanFault; readonly reason: string }
  | { readonly kind: 'close'; readonly error: ProtocolError };

const utf8 = new TextDecoder('utf-8', { fatal: false });

function close(message: string): ClientCallCheck {
  return { kind: 'close', error: new ProtocolError('bad-body', `CALL_ENTITY_METHOD_FROM_CLIENT: ${message}`) };
}

/** The method name at `at`: a str of 1..maxNameLength characters, or a reason it is not. */
function readMethod(bytes: Uint8Array, at: number): { method: string; next: number } | string {
  const header = readStrHeader(bytes, at);
  if (header === null) return 'method is not a string';
  // 4 bytes per character at most in UTF-8: a longer byte string cannot be a valid name.
  if (header.length === 0 || header.length > 4 * LIMITS.maxNameLength) return `method must be 1..${LIMITS.maxNameLength} characters`;
  const method = utf8.decode(bytes.subarray(header.next, header.next + header.length));
  if (method.length > LIMITS.maxNameLength) return `method must be 1..${LIMITS.maxNameLength} characters`;
  return { method, next: header.next + header.length };
}

/**
 * Checks a client call at the edge in one pass over its bytes, without decoding the arguments: the
 * gate forwards them as they are (SPEC.md), and the game decodes them once, knowing they are safe.
 */
export function checkClientCall(body: Uint8Array, limits: ArgLimits): ClientCallCheck {
  if (!isIdBytes(body, 0)) return close('malformed entity id');
  const entityId = readId(body, 0);
  const fields = body.subarray(KEY_SIZE.entity);
  const outer = readArrayHeader(fields, 0);
  if (outer === null || outer.count !== 2) return close('expected [method, args]');
  const name = readMethod(fields, outer.next);
  if (typeof name === 'string') return close(name);
  const args = readArrayHeader(fields, name.next);
  if (args === null) return close('args is not a list');
  if (args.count > LIMITS.maxArgs) return close(`more than ${LIMITS.maxArgs} arguments`);
  const scan = startScan(fields, limits);
  let p = args.next;
  for (let i = 0; i < args.count && p >= 0; i++) p = skipValue(scan, p, 0);
  if (p >= 0 && p !== fields.length) scan.fault = 'trailing-bytes';
  if (scan.fault !== null) {
    const reason = `argument refused: ${SCAN_FAULT_TEXT[scan.fault]}`;
    if (isMalformed(scan.fault)) return close(reason);
    return { kind: 'refuse', entityId, method: name.method, fault: scan.fault, reason };
  }
  return { kind: 'forward', entityId, method: name.method, fields };
}
