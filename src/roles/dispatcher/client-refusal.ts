import { CLIENT_ERROR_CODES, MSG, readCallerKey, type ClientErrorName, type WireCodec } from '../../protocol/index.ts';
import type { Link } from '../../transport/index.ts';

/**
 * A frame that will never be delivered, because its entity exists nowhere, its game is down, or the
 * frame was dropped at a limit or a timeout. Whoever waits on it is told at once instead of waiting on
 * a call that went nowhere: a client's call (CALL_FROM_CLIENT) gets ERROR through the gate named in
 * its key, and a game's call (CALL_ENTITY_METHOD, GIVE_CLIENT) gets CALL_FAILED on its own link.
 */
export interface Undeliverable {
  readonly entityId: string;
  readonly type: number;
  readonly body: Uint8Array;
  /** The game that sent it; undefined for a gate's frames. */
  readonly from: Link | undefined;
  readonly code: ClientErrorName;
}

export function messageFor(code: ClientErrorName, entityId: string): string {
  return code === 'UNREACHABLE' ? `entity ${entityId} is unreachable: its game is down` : `no entity ${entityId}`;
}

/** Answers the frame's sender; returns whether anyone was told (frames nobody waits on are just dropped). */
export function refuseUndeliverable(codec: WireCodec, gateLink: (gateId: number) => Link | undefined, u: Undeliverable): boolean {
  const message = messageFor(u.code, u.entityId);
  const code = CLIENT_ERROR_CODES[u.code];
  if (u.type === MSG.CALL_FROM_CLIENT.id) {
    const { gateId, clientId } = readCallerKey(u.body);
    const link = gateLink(gateId);
    if (link) codec.encodeTo(link, MSG.ERROR, { gateId, clientId, code, message });
    return link !== undefined;
  }
  if (u.type === MSG.REQUEST_FROM_CLIENT.id) {
    const { gateId, clientId } = readCallerKey(u.body);
    const request = codec.decode(MSG.REQUEST_FROM_CLIENT, u.body);
    const link = gateLink(gateId);
    if (link && !(request instanceof Error)) codec.encodeTo(link, MSG.RESPONSE, { gateId, clientId, requestId: request.requestId, code, message, value: null });
    return link !== undefined;
  }
  if (u.type === MSG.CLIENT_RESUME.id) {
    // The entity the client played exists nowhere now: its gate gives it a new boot entity.
    const resume = codec.decode(MSG.CLIENT_RESUME, u.body);
    if (resume instanceof Error) return false;
    const link = gateLink(resume.gateId);
    if (link) codec.encodeTo(link, MSG.RESUME_RESULT, { gateId: resume.gateId, clientId: resume.clientId, resumed: false, reason: message });
    return link !== undefined;
  }
  if (!u.from) return false;
  if (u.type === MSG.CALL_ENTITY_METHOD.id) {
    const call = codec.decode(MSG.CALL_ENTITY_METHOD, u.body);
    const method = call instanceof Error ? 'CALL_ENTITY_METHOD' : call.method;
    codec.encodeTo(u.from, MSG.CALL_FAILED, { entityId: u.entityId, method, code, message });
    return true;
  }
  if (u.type === MSG.GIVE_CLIENT.id) {
    codec.encodeTo(u.from, MSG.CALL_FAILED, { entityId: u.entityId, method: 'GIVE_CLIENT', code, message });
    return true;
  }
  return false;
}
