import type { Logger, LogThrottle } from '../../observability/index.ts';
import type { FrameOrigin } from './ack-gate.ts';
import type { EntityId } from '../../core/entity-id.ts';
import type { CallResult, GameWorld } from '../../core/world-api.ts';
import {
  KEY_SIZE,
  MSG,
  PROTOCOL_VERSION,
  ProtocolError,
  isId,
  readCallerKey,
  clientPositionRecordCount,
  readClientPositionRecord,
  messageSpec,
  type MessageValue,
  type WireCodec,
} from '../../protocol/index.ts';
import { handlerTable, type HandlerTable } from '../../protocol/handler-table.ts';
import type { EntityStorage } from '../../storage/index.ts';
import type { Clock } from '../../tick/clock.ts';
import type { ClientHandoffs } from './client-handoffs.ts';
import type { ClientSessions } from './client-sessions.ts';
import type { Inflight } from './inflight.ts';
import { onClientRequest, type RequestAnswer } from './client-requests.ts';

/** What CALL_FAILED says: the target, the method (or GIVE_CLIENT), and a CLIENT_ERROR_CODES code. */
export type CallFailure = MessageValue<typeof MSG.CALL_FAILED>;

/** A frame received from a dispatcher, copied so it can wait for the tick's inbound phase. */
export interface InboundFrame {
  type: number;
  body: Uint8Array;
  /** The link it came on and its number there: once applied, that link acknowledges it (LINK_ACK). */
  from?: FrameOrigin;
}

export interface InboundDeps {
  world: GameWorld;
  codec: WireCodec;
  log: Logger;
  storage: EntityStorage;
  /** Storage loads are tracked so a hot-swap freeze waits for them. */
  inflight: Inflight;
  /** Client id → gate id, for every client bound to an entity on this game. */
  clientGates: Map<string, number>;
  handoffs: ClientHandoffs;
  clock: Clock;
  /** For what a client can cause at will (its calls failing a check): one line per interval. */
  throttle: LogThrottle;
  /** Client connections going, and coming back within their grace period (client-sessions.ts). */
  sessions: ClientSessions;
  /**
   * Sends an ERROR to a client through its gate (a refused call must be answered, not silently dropped);
   * the gate comes from the call's key, so this works for clients bound to entities on any game.
   */
  sendClientError(gateId: number, clientId: string, code: CallResult & { ok: false }): void;
  /** Sends a RESPONSE to a client's request through its gate (client-requests.ts). */
  respond(gateId: number, clientId: string, requestId: number, answer: RequestAnswer): void;
  /** Tells the dispatcher an entity it expected here will not exist, so its held frames are released. */
  abandonEntity(entityId: EntityId): void;
  /** Entity type created for each new client connection (GoWorld's boot_entity). */
  bootEntity: string;
  onDeploymentReady(): void;
  onFreezeAck(dispatcherId: number): void;
  /** A call this game sent can never be delivered (its target's game is down, or it exists nowhere). */
  onCallFailed(failure: CallFailure): void;
  /** A load of a service shard that storage has no record of makes it fresh (its first start). */
  isService?(typeName: string): boolean;
  /** A dispatcher says every service shard declared to it exists. */
  onServicesReady?(dispatcherId: number): void;
  /** This game cannot go on (a dispatcher speaks another protocol version). */
  fatal(reason: string): void;
  /** Migration frames from the entity's dispatcher (migration.ts). */
  migration?: {
    ack(m: MessageValue<typeof MSG.MIGRATE_ACK>): void;
    refused(m: MessageValue<typeof MSG.MIGRATE_REFUSED>): void;
    arrive(m: MessageValue<typeof MSG.MIGRATE_IN>): void;
  };
  /** Placement frames (placement-inbound.ts). */
  placement?: {
    createSpace(m: MessageValue<typeof MSG.CREATE_SPACE>): void;
    loadOnGame(m: MessageValue<typeof MSG.LOAD_ENTITY_ON_GAME>): void;
    nilSpaceCall(m: MessageValue<typeof MSG.CALL_NIL_SPACES>): void;
    onlineGames(m: MessageValue<typeof MSG.ONLINE_GAMES>): void;
  };
  /** A dispatcher's link to a gate entered or left degraded mode (position streams to it slow down). */
  onGatePressure?(dispatcherId: number, gateId: number, degraded: boolean): void;
}

type Deps = InboundDeps;

/** The gate checks calls first, so this is a gate/game limit mismatch or a bug: answered, and logged. */
function refuseUndecodable(deps: Deps, body: Uint8Array, error: ProtocolError): void {
  deps.throttle.log('warn', 'game-side-check', { err: error }, 'client call failed the game-side check');
  if (body.length < KEY_SIZE.entityGateClient) return;
  const { gateId, clientId } = readCallerKey(body);
  if (!isId(clientId)) return;
  deps.sendClientError(gateId, clientId, { ok: false, code: 'INVALID_ARGUMENT', message: 'call refused: arguments are not acceptable' });
}

/** A client's call: its bytes were checked by the gate, then decoded here once, strictly, by the table. */
function onClientCall(deps: Deps, m: MessageValue<typeof MSG.CALL_FROM_CLIENT>): void {
  const result = deps.world.call(m.entityId, m.method, m.args, { kind: 'client', clientId: m.clientId });
  if (result.ok) return;
  deps.log.info({ clientId: m.clientId, entityId: m.entityId, method: m.method, code: result.code }, 'client call refused');
  deps.sendClientError(m.gateId, m.clientId, result);
}

function onGiveClient(deps: Deps, m: MessageValue<typeof MSG.GIVE_CLIENT>): void {
  if (deps.handoffs.takeGone(m.clientId)) return; // it left while the hand-off was held
  deps.clientGates.set(m.clientId, m.gateId);
  const result = deps.world.setClient(m.entityId, m.clientId);
  if (!result.ok) deps.log.error({ entityId: m.entityId, clientId: m.clientId }, `give client failed: ${result.message}`);
}

function createHere(deps: Deps, m: { entityId: string; typeName: string; attrs: Record<string, unknown> }): void {
  try {
    deps.world.createEntity(m.typeName, { id: m.entityId, attrs: m.attrs });
  } catch (err) {
    deps.log.error({ err, entityId: m.entityId, type: m.typeName }, 'remote create failed');
    deps.abandonEntity(m.entityId);
  }
}

function onLoadEntity(deps: Deps, m: MessageValue<typeof MSG.LOAD_ENTITY_ANYWHERE>): void {
  const { world, log } = deps;
  deps.inflight.track(deps.storage.load(m.typeName, m.entityId)).then(
    (attrs) =>
      world.post(() => {
        if (attrs === undefined && deps.isService?.(m.typeName) === true) {
          if (!world.entity(m.entityId)) world.createEntity(m.typeName, { id: m.entityId });
          return;
        }
        if (attrs === undefined) {
          log.error({ entityId: m.entityId, type: m.typeName }, 'load anywhere: no such entity in storage');
          deps.abandonEntity(m.entityId);
          return;
        }
        if (world.entity(m.entityId)) return; // already here: the dispatcher keeps one instance
        world.createEntity(m.typeName, { id: m.entityId, attrs });
      }),
    (err: unknown) =>
      world.post(() => {
        log.error({ err, entityId: m.entityId }, 'load anywhere: storage failed');
        deps.abandonEntity(m.entityId);
      }),
  );
}

function onClientPositions(deps: Deps, body: Uint8Array): void {
  const count = clientPositionRecordCount(body);
  if (count instanceof ProtocolError) return deps.log.warn({ err: count }, 'bad position batch');
  for (let i = 0; i < count; i++) {
    const p = readClientPositionRecord(body, i);
    if (p instanceof ProtocolError) continue;
    const entity = deps.world.entity(p.entityId);
    // Ownership was checked by the gate; whether the entity accepts client positions is the game's call.
    if (!entity || entity.destroyed || !entity.clientSyncing) continue;
    entity.setPosition(p.x, p.y, p.z);
    entity.setYaw(p.yaw);
  }
}

/** Every frame a game handles, one handler per type. */
export function gameInboundTable(codec: WireCodec): HandlerTable<Deps> {
  return handlerTable<Deps>(codec)
    .on(MSG.CALL_ENTITY_METHOD, (deps, m) => {
      const result = deps.world.call(m.entityId, m.method, m.args);
      if (!result.ok) deps.log.warn({ entityId: m.entityId, method: m.method, code: result.code }, result.message);
    })
    .on(MSG.CALL_FROM_CLIENT, onClientCall)
    .on(MSG.REQUEST_FROM_CLIENT, onClientRequest)
    .on(MSG.NOTIFY_CLIENT_CONNECTED, (deps, m) => {
      deps.clientGates.set(m.clientId, m.gateId);
      deps.world.createEntity(deps.bootEntity, { id: m.entityId, client: m.clientId });
    })
    .on(MSG.NOTIFY_CLIENT_DISCONNECTED, (deps, m) => deps.sessions.disconnected(m))
    .on(MSG.GATE_DISCONNECTED, (deps, m) => deps.sessions.gateLost(m.gateId))
    .on(MSG.CLIENT_RESUME, (deps, m) => deps.sessions.resume(m))
    .on(MSG.GATE_LINK_PRESSURE, (deps, m) => deps.onGatePressure?.(m.dispatcherId, m.gateId, m.degraded))
    .on(MSG.GIVE_CLIENT, onGiveClient)
    .on(MSG.CREATE_ENTITY_ANYWHERE, createHere)
    .on(MSG.CREATE_ENTITY_ON_GAME, createHere)
    .on(MSG.LOAD_ENTITY_ANYWHERE, onLoadEntity)
    .raw(MSG.SYNC_POSITIONS_FROM_CLIENTS, onClientPositions)
    .on(MSG.DEPLOYMENT_READY, (deps) => deps.onDeploymentReady())
    .on(MSG.FREEZE_ACK, (deps, m) => deps.onFreezeAck(m.dispatcherId))
    .on(MSG.CALL_FAILED, (deps, m) => deps.onCallFailed(m))
    .on(MSG.SERVICES_READY, (deps, m) => deps.onServicesReady?.(m.dispatcherId))
    .on(MSG.MIGRATE_ACK, (deps, m) => deps.migration?.ack(m))
    .on(MSG.MIGRATE_REFUSED, (deps, m) => deps.migration?.refused(m))
    .on(MSG.MIGRATE_IN, (deps, m) => deps.migration?.arrive(m))
    .on(MSG.CREATE_SPACE, (deps, m) => deps.placement?.createSpace(m))
    .on(MSG.LOAD_ENTITY_ON_GAME, (deps, m) => deps.placement?.loadOnGame(m))
    .on(MSG.CALL_NIL_SPACES, (deps, m) => deps.placement?.nilSpaceCall(m))
    .on(MSG.ONLINE_GAMES, (deps, m) => deps.placement?.onlineGames(m))
    // Its bytes are the sign of life (link-liveness.ts); nothing else to do.
    .on(MSG.LINK_HEARTBEAT, () => undefined)
    .on(MSG.HANDSHAKE_ACK, (deps, m) => {
      // Mixed versions in one deployment would misread each other's frames: stop at once, loudly.
      if (m.protocolVersion !== PROTOCOL_VERSION) deps.fatal(`dispatcher ${m.dispatcherId} speaks protocol ${m.protocolVersion}, this game ${PROTOCOL_VERSION}`);
    })
    .build();
}

/**
 * The game's inbound phase: applies frames from the dispatchers to the world, in arrival order. Frames
 * come from trusted processes, but CALL_FROM_CLIENT and client positions carry client input, which the
 * world checks (exposure, ownership, argument specs) before any game code runs. Nothing here throws on
 * a peer's bytes: an undecodable or unknown frame is logged and dropped.
 */
export function createInbound(deps: InboundDeps): (frame: InboundFrame) => void {
  const table = gameInboundTable(deps.codec);
  return function handle({ type, body }: InboundFrame): void {
    const result = table.dispatch(deps, type, body);
    if (result === 'handled') return;
    if (result === 'unhandled') return deps.log.warn({ type, msg: messageSpec(type)?.name }, 'game cannot handle this frame');
    if (type === MSG.CALL_FROM_CLIENT.id) return refuseUndecodable(deps, body, result);
    if (type === MSG.REQUEST_FROM_CLIENT.id) return deps.log.warn({ err: result }, 'client request failed the game-side check; the gate answers TIMEOUT');
    deps.log.error({ err: result, msg: messageSpec(type)?.name }, 'undecodable frame from a dispatcher');
  };
}
