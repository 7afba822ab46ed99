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

/** A msgpack unsigned int of at most 32 bits at `at` (the forms msgpack writers pick for it), or null. */
function readU32(bytes: Uint8Array, at: number): { value: number; next: number } | null {
  const b = bytes[at];
  if (b === undefined) return null;
  if (b <= 0x7f) return { value: b, next: at + 1 };
  const size = b === 0xcc ? 1 : b === 0xcd ? 2 : b === 0xce ? 4 : 0;
  if (size === 0 || at + 1 + size > bytes.length) return null;
  let value = 0;
  for (let i = 1; i <= size; i++) value = value * 256 + bytes[at + i]!;
  return { value, next: at + 1 + size };
}

/** `[method, args]` from `at` to the end of `fields`, checked against the limits. */
function checkMethodAndArgs(entityId: string, fields: Uint8Array, at: number, limits: ArgLimits): ClientCallCheck {
  const name = readMethod(fields, at);
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
  return checkMethodAndArgs(entityId, fields, outer.next, limits);
}

/** A checked REQUEST_ENTITY_METHOD_FROM_CLIENT: a call, plus the id its RESPONSE will carry. */
export type ClientRequestCheck =
  | (Extract<ClientCallCheck, { kind: 'forward' | 'refuse' }> & { readonly requestId: number })
  | Extract<ClientCallCheck, { kind: 'close' }>;

/** As checkClientCall, for a request's `entityId | msgpack [requestId, method, args]`. */
export function checkClientRequest(body: Uint8Array, limits: ArgLimits): ClientRequestCheck {
  if (!isIdBytes(body, 0)) return { kind: 'close', error: new ProtocolError('bad-body', 'REQUEST_ENTITY_METHOD_FROM_CLIENT: malformed entity id') };
  const entityId = readId(body, 0);
  const fields = body.subarray(KEY_SIZE.entity);
  const outer = readArrayHeader(fields, 0);
  const requestId = outer === null || outer.count !== 3 ? null : readU32(fields, outer.next);
  if (requestId === null) {
    return { kind: 'close', error: new ProtocolError('bad-body', 'REQUEST_ENTITY_METHOD_FROM_CLIENT: expected [requestId (u32), method, args]') };
  }
  const check = checkMethodAndArgs(entityId, fields, requestId.next, limits);
  if (check.kind === 'close') {
    return { kind: 'close', error: new ProtocolError('bad-body', check.error.message.replace('CALL_ENTITY_METHOD_FROM_CLIENT', 'REQUEST_ENTITY_METHOD_FROM_CLIENT')) };
  }
  return { ...check, requestId: requestId.value };
}
