import { handlerTable, type HandlerTable } from '../protocol/handler-table.ts';
import { MSG, ProtocolError, decodePositionBatch, type MessageFields, type WireCodec } from '../protocol/index.ts';
import { applyAttrOp } from './apply-attr-op.ts';
import type { ClientEntity, ClientEvents, ServerLimits } from './client.ts';

/** What the SDK mirrors of the server, which the message handlers update. */
export interface ClientMirror {
  readonly entities: Map<string, ClientEntity>;
  readonly byHandle: Map<number, ClientEntity>;
  player: ClientEntity | null;
  readonly playerWaiters: ((e: ClientEntity) => void)[];
  emit<K extends keyof ClientEvents>(event: K, ...args: Parameters<ClientEvents[K]>): void;
  welcomed(limits: ServerLimits): void;
  /** RESUME_TOKEN and RESUME_RESULT (reconnect.ts). */
  resumeToken(token: Uint8Array): void;
  resumeResult(resumed: boolean, reason: string): void;
  /** A RESPONSE: settles the request it answers (requests.ts). */
  settle(requestId: number, code: number, message: string, value: unknown): void;
}

/** The player went with its game: everything the client saw is gone; a new player follows (onCreate). */
function onLost(c: ClientMirror, reason: string): void {
  c.entities.clear();
  c.byHandle.clear();
  c.player = null;
  c.emit('lost', reason);
}

function onCreate(c: ClientMirror, m: MessageFields<typeof MSG.CREATE_ENTITY_ON_CLIENT>): void {
  const entity: ClientEntity = { id: m.entityId, typeName: m.typeName, isPlayer: m.isPlayer, attrs: m.attrs, x: m.x, y: m.y, z: m.z, yaw: m.yaw };
  c.entities.set(entity.id, entity);
  c.byHandle.set(m.handle, entity);
  if (entity.isPlayer) {
    c.player = entity;
    for (const resolve of c.playerWaiters.splice(0)) resolve(entity);
  }
  c.emit('create', entity);
}

function onDestroy(c: ClientMirror, m: MessageFields<typeof MSG.DESTROY_ENTITY_ON_CLIENT>): void {
  const entity = c.entities.get(m.entityId);
  c.entities.delete(m.entityId);
  if (c.byHandle.get(m.handle) === entity) c.byHandle.delete(m.handle);
  if (entity && c.player === entity) c.player = null;
  if (entity) c.emit('destroy', entity);
}

function onAttrDelta(c: ClientMirror, m: MessageFields<typeof MSG.ATTR_DELTA>): void {
  const entity = c.entities.get(m.entityId);
  if (!entity) return;
  for (const op of m.ops) {
    if (!applyAttrOp(entity.attrs, op)) c.emit('error', { code: -1, message: `attribute op does not fit ${entity.id}` });
  }
  c.emit('attrs', entity);
}

function onPositions(c: ClientMirror, body: Uint8Array): void {
  const moved: ClientEntity[] = [];
  const count = decodePositionBatch(body, (handle, x, y, z, yaw) => {
    const entity = c.byHandle.get(handle);
    if (!entity) return;
    entity.x = x;
    entity.y = y;
    entity.z = z;
    entity.yaw = yaw;
    moved.push(entity);
  });
  if (count instanceof ProtocolError) c.emit('error', { code: -1, message: `bad message from server: ${count.message}` });
  else c.emit('positions', moved);
}

/** Every message a client handles, one handler per type (the gate delivers them without the routing key). */
export function serverMessageTable(codec: WireCodec): HandlerTable<ClientMirror> {
  return handlerTable<ClientMirror>(codec, { keyless: true })
    .on(MSG.WELCOME, (c, m) => c.welcomed(m))
    .on(MSG.CREATE_ENTITY_ON_CLIENT, onCreate)
    .on(MSG.DESTROY_ENTITY_ON_CLIENT, onDestroy)
    .on(MSG.ATTR_DELTA, onAttrDelta)
    .on(MSG.CALL_ENTITY_METHOD_ON_CLIENT, (c, m) => {
      const entity = c.entities.get(m.entityId);
      if (entity) c.emit('call', entity, m.method, m.args);
    })
    .raw(MSG.POSITION_SYNC, onPositions)
    .on(MSG.ERROR, (c, m) => c.emit('error', { code: m.code, message: m.message }))
    .on(MSG.LOST, (c, m) => onLost(c, m.reason))
    .on(MSG.RESUME_TOKEN, (c, m) => c.resumeToken(new Uint8Array(m.token)))
    .on(MSG.RESUME_RESULT, (c, m) => c.resumeResult(m.resumed, m.reason))
    .on(MSG.SPACE_CHANGED, (c, m) => c.emit('space', m.spaceId, m.gameId))
    .on(MSG.RESPONSE, (c, m) => c.settle(m.requestId, m.code, m.message, m.value))
    .build();
}
