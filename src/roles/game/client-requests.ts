import type { Logger } from '../../observability/index.ts';
import { CLIENT_ERROR_CODES, MSG, clientErrorCode, type MessageValue, type WireCodec } from '../../protocol/index.ts';
import type { Link } from '../../transport/index.ts';
import type { GameWorld } from '../../core/world-api.ts';

/** One RESPONSE's content: code 0 with the RPC's value, or an error code with its text. */
export interface RequestAnswer {
  readonly code: number;
  readonly message: string;
  readonly value: unknown;
}

/** What answering a client's request needs of the game. */
export interface RequestDeps {
  readonly world: GameWorld;
  readonly log: Logger;
  respond(gateId: number, clientId: string, requestId: number, answer: RequestAnswer): void;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * A client's request: the same checks as a call (exposure, arguments), then the RPC's return value is
 * the answer. A Promise is awaited and its outcome re-enters the game loop through `world.post`, so the
 * answer is sent from the loop like everything else; a rejection is logged and answered HANDLER_FAILED.
 */
export function onClientRequest(deps: RequestDeps, m: MessageValue<typeof MSG.REQUEST_FROM_CLIENT>): void {
  const respond = (answer: RequestAnswer) => deps.respond(m.gateId, m.clientId, m.requestId, answer);
  const result = deps.world.call(m.entityId, m.method, m.args, { kind: 'client', clientId: m.clientId });
  if (!result.ok) {
    deps.log.info({ clientId: m.clientId, entityId: m.entityId, method: m.method, code: result.code }, 'client request refused');
    return respond({ code: clientErrorCode(result.code), message: result.message, value: null });
  }
  if (!isThenable(result.value)) return respond({ code: 0, message: '', value: result.value ?? null });
  result.value.then(
    (value) => deps.world.post(() => respond({ code: 0, message: '', value: value ?? null })),
    (err: unknown) =>
      deps.world.post(() => {
        deps.log.error({ err, entityId: m.entityId, method: m.method }, 'a request handler rejected');
        respond({ code: CLIENT_ERROR_CODES.HANDLER_FAILED, message: `${m.method} failed on the server`, value: null });
      }),
  );
}

/**
 * Sends a RESPONSE to the client through its gate. A value msgpack cannot carry is the game's bug: it
 * is logged and the client gets INTERNAL instead of a connection-breaking frame.
 */
export function sendResponse(codec: WireCodec, log: Logger, link: Link, gateId: number, clientId: string, requestId: number, answer: RequestAnswer): void {
  let body: Uint8Array;
  try {
    body = codec.encode(MSG.RESPONSE, { gateId, clientId, requestId, ...answer });
  } catch (err) {
    log.error({ err, requestId }, 'a request handler returned a value that cannot be encoded');
    body = codec.encode(MSG.RESPONSE, { gateId, clientId, requestId, code: CLIENT_ERROR_CODES.INTERNAL, message: 'the result cannot be sent', value: null });
  }
  link.send(MSG.RESPONSE.id, body);
}
