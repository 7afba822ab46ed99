import type { Logger, Metrics } from '../../observability/index.ts';
import {
  FILTER_OPS,
  MSG,
  ProtocolError,
  messageSpec,
  readGateClientKey,
  toClientMessageInPlace,
  type WireCodec,
} from '../../protocol/index.ts';
import { filterMatches, type ClientProxy } from './client-proxy.ts';

/** What the dispatcher-frame handlers need of the gate. */
export interface GateRelay {
  readonly codec: WireCodec;
  readonly log: Logger;
  readonly metrics?: Metrics;
  readonly byClientId: ReadonlyMap<string, ClientProxy>;
  sendToClient(proxy: ClientProxy, message: Uint8Array): void;
}

type FrameHandler = (relay: GateRelay, body: Uint8Array) => void;

/** The gate learns which entity a client plays from the server's own create/destroy messages. */
function trackOwner(relay: GateRelay, proxy: ClientProxy, type: number, body: Uint8Array): void {
  if (type === MSG.CREATE_ENTITY_ON_CLIENT.id) {
    const m = relay.codec.decode(MSG.CREATE_ENTITY_ON_CLIENT, body);
    if (!(m instanceof ProtocolError) && m.isPlayer) proxy.ownerEntityId = m.entityId;
  } else if (type === MSG.DESTROY_ENTITY_ON_CLIENT.id) {
    const m = relay.codec.decode(MSG.DESTROY_ENTITY_ON_CLIENT, body);
    if (!(m instanceof ProtocolError) && m.entityId === proxy.ownerEntityId) proxy.ownerEntityId = null;
  }
}

/** A to-client frame: re-typed in place (the key becomes the WebSocket header) and queued for its client. */
function relayToClient(relay: GateRelay, type: number, body: Uint8Array): void {
  const proxy = relay.byClientId.get(readGateClientKey(body));
  if (!proxy) return; // the client left while the frame was in flight
  trackOwner(relay, proxy, type, body);
  relay.metrics?.messagesOut('client');
  // In place, then copied: the body is a view into the link's read buffer, reused after this call.
  relay.sendToClient(proxy, toClientMessageInPlace(type, body).slice());
}

const onFilteredCall: FrameHandler = (relay, body) => {
  const m = relay.codec.decode(MSG.FILTERED_CALL, body);
  if (m instanceof ProtocolError) return relay.log.error({ err: m }, 'bad FILTERED_CALL');
  const op = FILTER_OPS[m.op];
  for (const proxy of relay.byClientId.values()) {
    if (!proxy.ownerEntityId || !filterMatches(proxy, m.key, op, m.value)) continue;
    relay.sendToClient(proxy, relay.codec.encodeToClientMessage(MSG.CALL_ENTITY_METHOD_ON_CLIENT, {
      entityId: proxy.ownerEntityId,
      method: m.method,
      args: m.args,
    }));
  }
};

const onSetFilterProp: FrameHandler = (relay, body) => {
  const m = relay.codec.decode(MSG.SET_CLIENT_FILTER_PROP, body);
  if (m instanceof ProtocolError) return relay.log.error({ err: m }, 'bad SET_CLIENT_FILTER_PROP');
  relay.byClientId.get(m.clientId)?.filterProps.set(m.key, m.value);
};

const onClearFilterProps: FrameHandler = (relay, body) => {
  relay.byClientId.get(readGateClientKey(body))?.filterProps.clear();
};

const onKick: FrameHandler = (relay, body) => {
  const m = relay.codec.decode(MSG.KICK_CLIENT, body);
  if (m instanceof ProtocolError) return relay.log.error({ err: m }, 'bad KICK_CLIENT');
  relay.byClientId.get(m.clientId)?.connection.close(m.code, m.reason);
};

const ignore: FrameHandler = () => undefined;

/** Gate-handled frames from a dispatcher, one handler per type; to-client frames are relayed. */
const GATE_FRAME_HANDLERS: ReadonlyMap<number, FrameHandler> = new Map([
  [MSG.FILTERED_CALL.id, onFilteredCall],
  [MSG.SET_CLIENT_FILTER_PROP.id, onSetFilterProp],
  [MSG.CLEAR_CLIENT_FILTER_PROPS.id, onClearFilterProps],
  [MSG.KICK_CLIENT.id, onKick],
  [MSG.HANDSHAKE_ACK.id, ignore],
  [MSG.DEPLOYMENT_READY.id, ignore],
]);

export function handleDispatcherFrame(relay: GateRelay, type: number, body: Uint8Array): void {
  const spec = messageSpec(type);
  if (spec === undefined) return relay.log.warn({ type }, 'unknown frame from dispatcher');
  if (spec.route === 'toClient') return relayToClient(relay, type, body);
  const handler = GATE_FRAME_HANDLERS.get(type);
  if (handler === undefined) return relay.log.warn({ msg: spec.name }, 'gate cannot handle this frame');
  handler(relay, body);
}
