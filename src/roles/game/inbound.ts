import type { Logger } from '../../observability/index.ts';
import type { EntityId } from '../../core/entity-id.ts';
import { TsworldError } from '../../core/errors.ts';
import type { CallResult, GameWorld } from '../../core/world-api.ts';
import {
  KEY_SIZE,
  MSG,
  ProtocolError,
  isId,
  readCallerKey,
  clientPositionRecordCount,
  readClientPositionRecord,
  type WireCodec,
} from '../../protocol/index.ts';
import type { EntityStorage } from '../../storage/index.ts';
import type { Clock } from '../../tick/clock.ts';
import type { ClientHandoffs } from './client-handoffs.ts';
import type { Inflight } from './inflight.ts';

/** A frame received from a dispatcher, copied so it can wait for the tick's inbound phase. */
export interface InboundFrame {
  type: number;
  body: Uint8Array;
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
  /** Sends a frame keyed by `entityId` through that entity's dispatcher. */
  forwardDisconnect(entityId: string, clientId: string): void;
  /**
   * Sends an ERROR to a client through its gate (a refused call must be answered, not silently dropped);
   * the gate comes from the call's key, so this works for clients bound to entities on any game.
   */
  sendClientError(gateId: number, clientId: string, code: CallResult & { ok: false }): void;
  /** Tells the dispatcher an entity it expected here will not exist, so its held frames are released. */
  abandonEntity(entityId: EntityId): void;
  /** Entity type created for each new client connection (GoWorld's boot_entity). */
  bootEntity: string;
  onDeploymentReady(): void;
  onFreezeAck(dispatcherId: number): void;
}

/**
 * The game's inbound phase: applies frames from the dispatchers to the world, in arrival order. Frames
 * come from trusted processes, but CALL_FROM_CLIENT and client positions carry client input, which the
 * world checks (exposure, ownership, argument specs) before any game code runs.
 */
export function createInbound(deps: InboundDeps): (frame: InboundFrame) => void {
  const { world, codec, log } = deps;

  function decode<S extends Parameters<WireCodec['decode']>[0]>(spec: S, body: Uint8Array) {
    const value = codec.decode(spec, body);
    if (value instanceof ProtocolError) throw value;
    return value;
  }

  /** The gate checks calls first, so this is a gate/game limit mismatch or a bug: answered, and logged. */
  function refuseUndecodable(body: Uint8Array, error: ProtocolError): void {
    log.warn({ err: error }, 'client call failed the game-side check');
    if (body.length < KEY_SIZE.entityGateClient) return;
    const { gateId, clientId } = readCallerKey(body);
    if (!isId(clientId)) return;
    deps.sendClientError(gateId, clientId, { ok: false, code: 'INVALID_ARGUMENT', message: 'call refused: arguments are not acceptable' });
  }

  return function handle({ type, body }: InboundFrame): void {
    switch (type) {
      case MSG.CALL_ENTITY_METHOD.id: {
        const m = decode(MSG.CALL_ENTITY_METHOD, body);
        const result = world.call(m.entityId, m.method, m.args);
        if (!result.ok) log.warn({ entityId: m.entityId, method: m.method, code: result.code }, result.message);
        return;
      }
      case MSG.CALL_FROM_CLIENT.id: {
        const m = codec.decode(MSG.CALL_FROM_CLIENT, body);
        if (m instanceof ProtocolError) return refuseUndecodable(body, m);
        const result = world.call(m.entityId, m.method, m.args, { kind: 'client', clientId: m.clientId });
        if (!result.ok) {
          log.info({ clientId: m.clientId, entityId: m.entityId, method: m.method, code: result.code }, 'client call refused');
          deps.sendClientError(m.gateId, m.clientId, result);
        }
        return;
      }
      case MSG.NOTIFY_CLIENT_CONNECTED.id: {
        const m = decode(MSG.NOTIFY_CLIENT_CONNECTED, body);
        deps.clientGates.set(m.clientId, m.gateId);
        world.createEntity(deps.bootEntity, { id: m.entityId, client: m.clientId });
        return;
      }
      case MSG.NOTIFY_CLIENT_DISCONNECTED.id: {
        const m = decode(MSG.NOTIFY_CLIENT_DISCONNECTED, body);
        const owner = world.entityOfClient(m.clientId);
        if (owner) world.setClient(owner.id, null);
        else {
          const to = deps.handoffs.takeHandOff(m.clientId);
          if (to !== undefined) deps.forwardDisconnect(to, m.clientId);
          // Bound here later (a boot entity still being created, a hand-off still held): unbind then.
          else if (deps.clientGates.has(m.clientId)) deps.handoffs.markGone(m.clientId, deps.clock.now());
        }
        deps.clientGates.delete(m.clientId);
        return;
      }
      case MSG.GATE_DISCONNECTED.id: {
        const m = decode(MSG.GATE_DISCONNECTED, body);
        for (const [clientId, gateId] of deps.clientGates) {
          if (gateId !== m.gateId) continue;
          const owner = world.entityOfClient(clientId);
          if (owner) world.setClient(owner.id, null);
          else deps.handoffs.markGone(clientId, deps.clock.now());
          deps.clientGates.delete(clientId);
        }
        return;
      }
      case MSG.GIVE_CLIENT.id: {
        const m = decode(MSG.GIVE_CLIENT, body);
        if (deps.handoffs.takeGone(m.clientId)) return; // it left while the hand-off was held
        deps.clientGates.set(m.clientId, m.gateId);
        const result = world.setClient(m.entityId, m.clientId);
        if (!result.ok) log.error({ entityId: m.entityId, clientId: m.clientId }, `give client failed: ${result.message}`);
        return;
      }
      case MSG.CREATE_ENTITY_ANYWHERE.id:
      case MSG.CREATE_ENTITY_ON_GAME.id: {
        const m = type === MSG.CREATE_ENTITY_ANYWHERE.id
          ? decode(MSG.CREATE_ENTITY_ANYWHERE, body)
          : decode(MSG.CREATE_ENTITY_ON_GAME, body);
        try {
          world.createEntity(m.typeName, { id: m.entityId, attrs: m.attrs });
        } catch (err) {
          log.error({ err, entityId: m.entityId, type: m.typeName }, 'remote create failed');
          deps.abandonEntity(m.entityId);
        }
        return;
      }
      case MSG.LOAD_ENTITY_ANYWHERE.id: {
        const m = decode(MSG.LOAD_ENTITY_ANYWHERE, body);
        deps.inflight.track(deps.storage.load(m.typeName, m.entityId)).then(
          (attrs) =>
            world.post(() => {
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
        return;
      }
      case MSG.SYNC_POSITIONS_FROM_CLIENTS.id: {
        const count = clientPositionRecordCount(body);
        if (count instanceof ProtocolError) throw count;
        for (let i = 0; i < count; i++) {
          const p = readClientPositionRecord(body, i);
          if (p instanceof ProtocolError) continue;
          const entity = world.entity(p.entityId);
          // Ownership was checked by the gate; whether the entity accepts client positions is the game's call.
          if (!entity || entity.destroyed || !entity.clientSyncing) continue;
          entity.setPosition(p.x, p.y, p.z);
          entity.setYaw(p.yaw);
        }
        return;
      }
      case MSG.DEPLOYMENT_READY.id:
        deps.onDeploymentReady();
        return;
      case MSG.FREEZE_ACK.id:
        deps.onFreezeAck(decode(MSG.FREEZE_ACK, body).dispatcherId);
        return;
      case MSG.HANDSHAKE_ACK.id:
        return;
      default:
        throw new TsworldError('PROTOCOL_VIOLATION', `game cannot handle message type ${type}`);
    }
  };
}
