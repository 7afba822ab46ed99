import type { Logger, Metrics } from '../../observability/index.ts';
import {
  FILTER_OPS,
  MSG,
  PROTOCOL_VERSION,
  ProtocolError,
  messageSpec,
  readGateClientKey,
  readSharedPositionFrame,
  ownedCopy,
  toClientMessageInPlace,
  type MessageValue,
  type WireCodec,
} from '../../protocol/index.ts';
import { handlerTable, type HandlerTable } from '../../protocol/handler-table.ts';
import { LIMITS } from '../../protocol/fields.ts';
import { peekCreateIsPlayer, peekDestroyOf, UNKNOWN } from '../../protocol/tuple-peek.ts';
import { readId, writeU16 } from '../../protocol/routing-key.ts';
import { clearFilterProps, filterMatches, setFilterProp, type ClientProxy } from './client-proxy.ts';
import { closeRequest } from './client-requests.ts';

/** What the dispatcher-frame handlers need of the gate. */
export interface GateRelay {
  readonly codec: WireCodec;
  readonly log: Logger;
  readonly metrics?: Metrics;
  readonly byClientId: ReadonlyMap<string, ClientProxy>;
  sendToClient(proxy: ClientProxy, message: Uint8Array): void;
  /** As sendToClient, for a message that may wait for the client's next write (gate-state.ts holdForClient). */
  holdForClient(proxy: ClientProxy, message: Uint8Array): void;
  /** Closes a client after sending what is already queued for it (a kick must not overtake replies). */
  close(proxy: ClientProxy, code: number, reason: string): void;
  /** The gate cannot go on (a dispatcher speaks another protocol version). */
  fatal(reason: string): void;
  /** The client's player was lost with its game: tell it (LOST) and ask for a new boot entity. */
  reboot(proxy: ClientProxy, reason: string): void;
  /** The game refused a resume (the binding is gone): the client gets a new boot entity. */
  resumeRefused(proxy: ClientProxy): void;
}

/**
 * The gate learns which entity a client plays from the server's own create/destroy messages. With AOI
 * those come for every entity entering or leaving every view, and almost none is the client's player:
 * their leading fields are peeked (tuple-peek.ts), and only a player's create, the owner's destroy or
 * bytes the peek did not understand are decoded. `createIsPlayer` is the create's peek (UNKNOWN for
 * other types), made once by the caller.
 */
function trackOwner(relay: GateRelay, proxy: ClientProxy, type: number, body: Uint8Array, createIsPlayer: number): void {
  if (type === MSG.CREATE_ENTITY_ON_CLIENT.id) {
    if (createIsPlayer === 0) return;
    const m = relay.codec.decode(MSG.CREATE_ENTITY_ON_CLIENT, body);
    // The boot entity's id when it is that (it usually is): one string per client, not two equal ones.
    if (!(m instanceof ProtocolError) && m.isPlayer) proxy.ownerEntityId = m.entityId === proxy.bootEntityId ? proxy.bootEntityId : m.entityId;
  } else if (type === MSG.DESTROY_ENTITY_ON_CLIENT.id) {
    if (proxy.ownerEntityId === null) return;
    const own = peekDestroyOf(body, proxy.ownerEntityId);
    if (own !== UNKNOWN) {
      if (own === 1) proxy.ownerEntityId = null;
      return;
    }
    const m = relay.codec.decode(MSG.DESTROY_ENTITY_ON_CLIENT, body);
    if (!(m instanceof ProtocolError) && m.entityId === proxy.ownerEntityId) proxy.ownerEntityId = null;
  } else if (type === MSG.RESUME_RESULT.id) {
    const m = relay.codec.decode(MSG.RESUME_RESULT, body);
    if (m instanceof ProtocolError) return;
    proxy.awaitingResume = false;
    if (m.resumed) relay.metrics?.clientResumes('resumed');
    else relay.resumeRefused(proxy);
  }
}

/** A to-client frame: re-typed in place (the key becomes the WebSocket header) and queued for its client. */
function relayToClient(relay: GateRelay, type: number, body: Uint8Array): void {
  const proxy = relay.byClientId.get(readGateClientKey(body));
  if (!proxy) return; // the client left while the frame was in flight
  if (type === MSG.RESPONSE.id && !closeRequest(relay.codec, proxy, body)) return; // answered TIMEOUT already
  // A second answer (a frame delivered again to a restarted game) must not undo the first.
  if (type === MSG.RESUME_RESULT.id && !proxy.awaitingResume) return;
  // Peeked once for both uses: the owner it names, and whether the message may wait.
  const createIsPlayer = type === MSG.CREATE_ENTITY_ON_CLIENT.id ? peekCreateIsPlayer(body) : UNKNOWN;
  trackOwner(relay, proxy, type, body, createIsPlayer);
  relay.metrics?.messagesOut('client');
  // Other entities entering or leaving the view may wait for the client's next write; its own player's
  // create (a login, a migration) goes at once.
  const mayWait = type === MSG.DESTROY_ENTITY_ON_CLIENT.id || createIsPlayer === 0;
  // In place, then copied: the body is a view into the link's read buffer, reused after this call.
  const message = ownedCopy(toClientMessageInPlace(type, body));
  if (mayWait) relay.holdForClient(proxy, message);
  else relay.sendToClient(proxy, message);
}

/**
 * One position batch for several clients: made into one client message, and that same (owned) buffer
 * queued for each client named, which the transport copies into each socket. A body whose lengths do
 * not add up is dropped whole, before any work.
 */
function onSharedPositions(relay: GateRelay, body: Uint8Array): void {
  const frame = readSharedPositionFrame(body);
  if (frame instanceof ProtocolError) return relay.log.warn({ err: frame.message }, 'dropped a malformed POSITION_SYNC_SHARED');
  const message = new Uint8Array(2 + frame.batch.length);
  writeU16(message, 0, MSG.POSITION_SYNC.id);
  message.set(frame.batch, 2);
  for (let i = 0; i < frame.count; i++) {
    const proxy = relay.byClientId.get(readId(body, frame.idsOffset + i * LIMITS.idLength));
    if (!proxy) continue; // the client left while the frame was in flight
    relay.metrics?.messagesOut('client');
    relay.sendToClient(proxy, message);
  }
}

function onFilteredCall(relay: GateRelay, m: MessageValue<typeof MSG.FILTERED_CALL>): void {
  const op = FILTER_OPS[m.op];
  for (const proxy of relay.byClientId.values()) {
    if (!proxy.ownerEntityId || !filterMatches(proxy, m.key, op, m.value)) continue;
    relay.sendToClient(proxy, relay.codec.encodeToClientMessage(MSG.CALL_ENTITY_METHOD_ON_CLIENT, {
      entityId: proxy.ownerEntityId,
      method: m.method,
      args: m.args,
    }));
  }
}

/** Clients whose player (or the boot entity they wait for) was on a game declared down start over. */
function onEntitiesLost(relay: GateRelay, m: MessageValue<typeof MSG.ENTITIES_LOST>): void {
  const lost = new Set(m.entityIds);
  let rebooted = 0;
  for (const proxy of relay.byClientId.values()) {
    if (proxy.closing || proxy.phase !== 'ready') continue;
    const player = proxy.ownerEntityId ?? proxy.bootEntityId;
    if (player === null || !lost.has(player)) continue;
    relay.reboot(proxy, `its game (game${m.gameId}) was lost`);
    rebooted++;
  }
  if (rebooted > 0) relay.log.warn({ gameId: m.gameId, clients: rebooted }, 'clients lost their player with its game; each gets a new boot entity');
}

/** Gate-handled frames from a dispatcher, one handler per type; to-client frames are relayed. */
export function gateFrameTable(codec: WireCodec): HandlerTable<GateRelay> {
  return handlerTable<GateRelay>(codec)
    .on(MSG.FILTERED_CALL, onFilteredCall)
    .raw(MSG.POSITION_SYNC_SHARED, onSharedPositions)
    .on(MSG.SET_CLIENT_FILTER_PROP, (relay, m) => setFilterProp(relay.byClientId.get(m.clientId), m.key, m.value))
    .on(MSG.CLEAR_CLIENT_FILTER_PROPS, (relay, m) => clearFilterProps(relay.byClientId.get(m.clientId)))
    .on(MSG.KICK_CLIENT, (relay, m) => {
      const proxy = relay.byClientId.get(m.clientId);
      if (!proxy) return;
      proxy.kicked = true;
      relay.close(proxy, m.code, m.reason);
    })
    .on(MSG.HANDSHAKE_ACK, (relay, m) => {
      // Mixed versions in one deployment would misread each other's frames: stop at once, loudly.
      if (m.protocolVersion !== PROTOCOL_VERSION) relay.fatal(`dispatcher ${m.dispatcherId} speaks protocol ${m.protocolVersion}, this gate ${PROTOCOL_VERSION}`);
    })
    .on(MSG.DEPLOYMENT_READY, () => undefined)
    .on(MSG.ENTITIES_LOST, onEntitiesLost)
    // Its bytes are the sign of life (link-liveness.ts); nothing else to do.
    .on(MSG.LINK_HEARTBEAT, () => undefined)
    .build();
}

export function handleDispatcherFrame(relay: GateRelay, table: HandlerTable<GateRelay>, type: number, body: Uint8Array): void {
  const spec = messageSpec(type);
  if (spec === undefined) return relay.log.warn({ type }, 'unknown frame from dispatcher');
  if (spec.route === 'toClient') return relayToClient(relay, type, body);
  const result = table.dispatch(relay, type, body);
  if (result === 'unhandled') relay.log.warn({ msg: spec.name }, 'gate cannot handle this frame');
  else if (result !== 'handled') relay.log.error({ err: result, msg: spec.name }, 'undecodable frame from a dispatcher');
}
