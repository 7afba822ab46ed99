import { CLIENT_ERROR_CODES, MSG, readCallerKey, type WireCodec } from '../../protocol/index.ts';
import type { Link } from '../../transport/index.ts';

/**
 * A client's call (CALL_FROM_CLIENT) that will never be delivered, because its entity exists nowhere
 * or its frame was dropped at a limit or a timeout: the client gets ERROR UNKNOWN_ENTITY through the
 * gate named in the call's key, so it learns at once instead of waiting on a call that went nowhere.
 */
export function refuseClientCall(
  codec: WireCodec,
  gateLink: (gateId: number) => Link | undefined,
  entityId: string,
  body: Uint8Array,
): void {
  const { gateId, clientId } = readCallerKey(body);
  const link = gateLink(gateId);
  if (!link) return;
  codec.encodeTo(link, MSG.ERROR, {
    gateId,
    clientId,
    code: CLIENT_ERROR_CODES.UNKNOWN_ENTITY,
    message: `no entity ${entityId}`,
  });
}
