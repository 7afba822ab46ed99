import { TsworldError } from '../core/errors.ts';
import { defineMessage } from './message-spec.ts';
import type { MessageSpec } from './message-spec.ts';

/**
 * The one table of message types, shared by every server role and the client SDK. SPEC.md documents
 * each entry; `test/unit/protocol/messages.test.ts` checks the two agree. Ids are stable: never reuse
 * one, append new messages at the end of their range.
 */
export const MSG = {
  // ── internal (1..999): game/gate ↔ dispatcher ────────────────────────────────────────────────
  SET_GAME_ID: defineMessage({
    id: 1, name: 'SET_GAME_ID', target: 'dispatcher', key: 'none', direction: 'game→dispatcher',
    fields: [['gameId', 'u16'], ['isRestore', 'bool'], ['entityIds', 'ids']],
  }),
  SET_GATE_ID: defineMessage({
    id: 2, name: 'SET_GATE_ID', target: 'dispatcher', key: 'none', direction: 'gate→dispatcher',
    fields: [['gateId', 'u16']],
  }),
  HANDSHAKE_ACK: defineMessage({
    id: 3, name: 'HANDSHAKE_ACK', target: 'peer', key: 'none', direction: 'dispatcher→game/gate',
    fields: [['dispatcherId', 'u16'], ['protocolVersion', 'u16']],
  }),
  DEPLOYMENT_READY: defineMessage({
    id: 4, name: 'DEPLOYMENT_READY', target: 'peer', key: 'none', direction: 'dispatcher→game/gate',
    fields: [],
  }),
  NOTIFY_CREATE_ENTITY: defineMessage({
    id: 5, name: 'NOTIFY_CREATE_ENTITY', target: 'dispatcher', key: 'entity', direction: 'game→dispatcher',
    fields: [['typeName', 'name']],
  }),
  NOTIFY_DESTROY_ENTITY: defineMessage({
    id: 6, name: 'NOTIFY_DESTROY_ENTITY', target: 'dispatcher', key: 'entity', direction: 'game→dispatcher',
    fields: [],
  }),
  CREATE_ENTITY_ANYWHERE: defineMessage({
    id: 7, name: 'CREATE_ENTITY_ANYWHERE', target: 'dispatcher', key: 'entity',
    direction: 'game→dispatcher→game (least loaded)',
    fields: [['typeName', 'name'], ['attrs', 'map']],
  }),
  CREATE_ENTITY_ON_GAME: defineMessage({
    id: 8, name: 'CREATE_ENTITY_ON_GAME', target: 'game', key: 'game', direction: 'game→dispatcher→game',
    fields: [['entityId', 'id'], ['typeName', 'name'], ['attrs', 'map']],
  }),
  LOAD_ENTITY_ANYWHERE: defineMessage({
    id: 9, name: 'LOAD_ENTITY_ANYWHERE', target: 'dispatcher', key: 'entity',
    direction: 'game→dispatcher→game (existing owner, else least loaded)',
    fields: [['typeName', 'name']],
  }),
  CALL_ENTITY_METHOD: defineMessage({
    id: 10, name: 'CALL_ENTITY_METHOD', target: 'entity', key: 'entity', direction: 'game→dispatcher→game',
    fields: [['method', 'name'], ['args', 'args']],
  }),
  CALL_FROM_CLIENT: defineMessage({
    id: 11, name: 'CALL_FROM_CLIENT', target: 'entity', key: 'entityGateClient', direction: 'gate→dispatcher→game',
    // The msgpack part is the client's bytes, forwarded as the gate validated them: decoders re-check it.
    fields: [['method', 'name'], ['args', 'args']], untrusted: true,
  }),
  NOTIFY_CLIENT_CONNECTED: defineMessage({
    id: 12, name: 'NOTIFY_CLIENT_CONNECTED', target: 'dispatcher', key: 'entity',
    direction: 'gate→dispatcher→game (boot entity assignment, round-robin)',
    fields: [['clientId', 'id'], ['gateId', 'u16']],
  }),
  NOTIFY_CLIENT_DISCONNECTED: defineMessage({
    id: 13, name: 'NOTIFY_CLIENT_DISCONNECTED', target: 'entity', key: 'entity', direction: 'gate→dispatcher→game',
    // reason: 'connection-lost' (kept for resumeGraceMs), 'client-closed' or 'kicked' (unbound at once).
    fields: [['clientId', 'id'], ['reason', 'name']],
  }),
  GAME_LOAD_REPORT: defineMessage({
    id: 14, name: 'GAME_LOAD_REPORT', target: 'dispatcher', key: 'none', direction: 'game→dispatcher',
    // overloaded: a dispatcher link of this game stayed degraded (issue 16): place new entities elsewhere.
    fields: [['gameId', 'u16'], ['load', 'f64'], ['entityCount', 'u32'], ['overloaded', 'bool']],
  }),
  START_FREEZE: defineMessage({
    id: 15, name: 'START_FREEZE', target: 'dispatcher', key: 'none', direction: 'game→dispatcher',
    fields: [['gameId', 'u16']],
  }),
  FREEZE_ACK: defineMessage({
    id: 16, name: 'FREEZE_ACK', target: 'peer', key: 'none', direction: 'dispatcher→game',
    fields: [['dispatcherId', 'u16']],
  }),
  // 17-23 (RESTORED, MIGRATE_*, SERVICE_REGISTER, CALL_NIL_SPACES) were declared and never used; they
  // come back with the migration and services issues. Ids are never reused: see RESERVED_IDS.
  SYNC_POSITIONS_FROM_CLIENTS: defineMessage({
    id: 24, name: 'SYNC_POSITIONS_FROM_CLIENTS', target: 'split', key: 'none',
    direction: 'gate→dispatcher→games (raw 32-byte records)',
    fields: null,
  }),
  GATE_DISCONNECTED: defineMessage({
    id: 25, name: 'GATE_DISCONNECTED', target: 'allGames', key: 'none', direction: 'dispatcher→all games',
    fields: [['gateId', 'u16']],
  }),
  GATE_LINK_PRESSURE: defineMessage({
    // The dispatcher's link to a gate entered or left degraded mode (issue 16): the game that sends that
    // gate's client traffic through this dispatcher lowers its position rate to those clients.
    id: 34, name: 'GATE_LINK_PRESSURE', target: 'allGames', key: 'none', direction: 'dispatcher→all games',
    fields: [['dispatcherId', 'u16'], ['gateId', 'u16'], ['degraded', 'bool']],
  }),
  GIVE_CLIENT: defineMessage({
    id: 26, name: 'GIVE_CLIENT', target: 'entity', key: 'entity', direction: 'game→dispatcher→game',
    fields: [['clientId', 'id'], ['gateId', 'u16']],
  }),
  ENTITY_DESTROYING: defineMessage({
    id: 27, name: 'ENTITY_DESTROYING', target: 'dispatcher', key: 'entity', direction: 'game→dispatcher',
    fields: [],
  }),
  GAME_STOPPING: defineMessage({
    id: 28, name: 'GAME_STOPPING', target: 'dispatcher', key: 'none', direction: 'game→dispatcher',
    fields: [['gameId', 'u16']],
  }),
  LINK_HEARTBEAT: defineMessage({
    id: 29, name: 'LINK_HEARTBEAT', target: 'dispatcher', key: 'none', direction: 'game/gate→dispatcher, dispatcher→game/gate',
    fields: [],
  }),
  CALL_FAILED: defineMessage({
    id: 30, name: 'CALL_FAILED', target: 'peer', key: 'none', direction: 'dispatcher→game (the caller)',
    fields: [['entityId', 'id'], ['method', 'name'], ['code', 'u16'], ['message', 'str']],
  }),
  // Link authentication (SPEC.md, "Link authentication"): before the hello, both ends prove the cluster secret.
  LINK_CHALLENGE: defineMessage({
    id: 31, name: 'LINK_CHALLENGE', target: 'peer', key: 'none', direction: 'dispatcher→game/gate (first frame of a link)',
    fields: [['nonce', 'bin']],
  }),
  LINK_AUTH: defineMessage({
    id: 32, name: 'LINK_AUTH', target: 'dispatcher', key: 'none', direction: 'game/gate→dispatcher (answer to LINK_CHALLENGE)',
    fields: [['nonce', 'bin'], ['proof', 'bin']],
  }),
  LINK_AUTH_OK: defineMessage({
    id: 33, name: 'LINK_AUTH_OK', target: 'peer', key: 'none', direction: 'dispatcher→game/gate (answer to LINK_AUTH)',
    fields: [['proof', 'bin']],
  }),
  ENTITIES_LOST: defineMessage({
    id: 35, name: 'ENTITIES_LOST', target: 'peer', key: 'none', direction: 'dispatcher→gate (all gates)',
    // Entities of a game declared down, in chunks: a gate re-boots every client whose player was one.
    fields: [['gameId', 'u16'], ['entityIds', 'ids']],
  }),
  SERVICE_DECLARE: defineMessage({
    id: 36, name: 'SERVICE_DECLARE', target: 'dispatcher', key: 'none', direction: 'game→dispatcher (after each hello)',
    // A service's shards whose ids fall in this dispatcher's shard: it places them and re-places them
    // when their game is declared down. (SERVICE_REGISTER, 19, was never used; ids are never reused.)
    fields: [['name', 'name'], ['persistent', 'bool'], ['entityIds', 'ids']],
  }),
  SERVICES_READY: defineMessage({
    id: 37, name: 'SERVICES_READY', target: 'peer', key: 'none', direction: 'dispatcher→game (all games)',
    // Every service shard declared to this dispatcher exists (NOTIFY_CREATE_ENTITY seen for each).
    fields: [['dispatcherId', 'u16']],
  }),
  LINK_ACK: defineMessage({
    id: 38, name: 'LINK_ACK', target: 'dispatcher', key: 'none', direction: 'game/gate→dispatcher, dispatcher→game/gate (the link layer)',
    // Raw: f64 LE, how many of the link's counted frames the receiver has processed (SPEC.md, "Delivery
    // across a lost process"). Written and consumed by the link itself, never by a role's table.
    fields: null,
  }),
  REQUEST_FROM_CLIENT: defineMessage({
    // A client's request (REQUEST_ENTITY_METHOD_FROM_CLIENT): the msgpack part is the client's bytes, as
    // the gate validated them; the game answers with RESPONSE through the gate in the key.
    id: 60, name: 'REQUEST_FROM_CLIENT', target: 'entity', key: 'entityGateClient', direction: 'gate→dispatcher→game',
    fields: [['requestId', 'u32'], ['method', 'name'], ['args', 'args']], untrusted: true,
  }),

  // Migration between games (issue 9; README "Migration", SPEC.md "Migration"). The entity's own dispatcher
  // owns the hand-off: it queues the entity's frames from MIGRATE_ACK to MIGRATE_DONE.
  SPACES_ANNOUNCE: defineMessage({
    id: 40, name: 'SPACES_ANNOUNCE', target: 'dispatcher', key: 'none', direction: 'game→dispatcher (every dispatcher)',
    // full: after each hello, `created` is every space of the game; else the spaces made and gone since the last.
    fields: [['gameId', 'u16'], ['full', 'bool'], ['created', 'ids'], ['destroyed', 'ids']],
  }),
  MIGRATE_REQUEST: defineMessage({
    id: 41, name: 'MIGRATE_REQUEST', target: 'dispatcher', key: 'entity', direction: 'game→dispatcher (the entity\'s own)',
    fields: [['spaceId', 'id'], ['hasPosition', 'bool'], ['x', 'f64'], ['y', 'f64'], ['z', 'f64']],
  }),
  MIGRATE_ACK: defineMessage({
    id: 42, name: 'MIGRATE_ACK', target: 'peer', key: 'none', direction: 'dispatcher→game (the source)',
    fields: [['entityId', 'id'], ['spaceId', 'id'], ['gameId', 'u16'], ['hasPosition', 'bool'], ['x', 'f64'], ['y', 'f64'], ['z', 'f64']],
  }),
  MIGRATE_REFUSED: defineMessage({
    id: 43, name: 'MIGRATE_REFUSED', target: 'peer', key: 'none', direction: 'dispatcher→game (the source)',
    fields: [['entityId', 'id'], ['spaceId', 'id'], ['code', 'name'], ['message', 'str']],
  }),
  MIGRATE_DATA: defineMessage({
    id: 44, name: 'MIGRATE_DATA', target: 'dispatcher', key: 'entity', direction: 'game→dispatcher (the entity\'s own)',
    // gateId 0: the entity has no client. data: the packed entity (world-migrate.ts MigrateData).
    fields: [['gateId', 'u16'], ['fromSpace', 'id'], ['data', 'any']],
  }),
  MIGRATE_ABORT: defineMessage({
    id: 45, name: 'MIGRATE_ABORT', target: 'dispatcher', key: 'entity', direction: 'game→dispatcher (the entity\'s own)',
    // The source cannot pack it (destroyed meanwhile): routing goes back to the source as it was.
    fields: [],
  }),
  MIGRATE_IN: defineMessage({
    id: 46, name: 'MIGRATE_IN', target: 'peer', key: 'entity', direction: 'dispatcher→game (the target, or the source when the target went down)',
    fields: [['gateId', 'u16'], ['returning', 'bool'], ['fromSpace', 'id'], ['data', 'any']],
  }),
  MIGRATE_DONE: defineMessage({
    id: 47, name: 'MIGRATE_DONE', target: 'dispatcher', key: 'entity', direction: 'game→dispatcher (the entity\'s own)',
    // The entity is alive on the sender: the dispatcher routes it there and flushes what it queued, in order.
    fields: [],
  }),

  CLIENT_RESUME: defineMessage({
    id: 50, name: 'CLIENT_RESUME', target: 'entity', key: 'entity', direction: 'gate→dispatcher→game',
    // A client came back (on any gate) with a valid resume token of `previousClientId`, saying it plays the
    // key's entity: its game rebinds that entity to the new connection if it still holds the old one.
    fields: [['previousClientId', 'id'], ['clientId', 'id'], ['gateId', 'u16']],
  }),

  // GoWorld's placement calls (issue 9): placed by the dispatcher of the space's or entity's id.
  CREATE_SPACE: defineMessage({
    id: 48, name: 'CREATE_SPACE', target: 'dispatcher', key: 'entity', direction: 'game→dispatcher→game (the given one, or the least loaded)',
    // The key is the new space's id. gameId 0: anywhere (createSpaceAnywhere), else that game (createSpaceOnGame).
    fields: [['typeName', 'name'], ['gameId', 'u16']],
  }),
  CALL_NIL_SPACES: defineMessage({
    id: 49, name: 'CALL_NIL_SPACES', target: 'allGames', key: 'none', direction: 'game→dispatcher→all games',
    // The sender runs its own handler itself: every game's nil-space handler runs once (defineGame nilSpace).
    fields: [['method', 'name'], ['args', 'args']],
  }),
  ONLINE_GAMES: defineMessage({
    id: 58, name: 'ONLINE_GAMES', target: 'peer', key: 'none', direction: 'dispatcher→game (all games)',
    // The games connected to this dispatcher, sent to every game whenever the set changes (onlineGames()).
    fields: [['dispatcherId', 'u16'], ['gameIds', 'list']],
  }),
  LOAD_ENTITY_ON_GAME: defineMessage({
    id: 59, name: 'LOAD_ENTITY_ON_GAME', target: 'dispatcher', key: 'entity', direction: 'game→dispatcher→game (unless it exists somewhere)',
    // loadEntityOnGame / world.loadEntity: single instance cluster-wide, as LOAD_ENTITY_ANYWHERE; spaceId '' for none.
    fields: [['typeName', 'name'], ['gameId', 'u16'], ['spaceId', 'str'], ['hasPosition', 'bool'], ['x', 'f64'], ['y', 'f64'], ['z', 'f64']],
  }),

  // ── to client (1000..1499): internal body = gateId·clientId key + client body; the gate strips the key
  CREATE_ENTITY_ON_CLIENT: defineMessage({
    id: 1000, name: 'CREATE_ENTITY_ON_CLIENT', target: 'gate', key: 'gateClient', direction: 'game→gate→client',
    fields: [
      ['entityId', 'id'], ['typeName', 'name'], ['isPlayer', 'bool'], ['handle', 'u16'], ['attrs', 'map'],
      ['x', 'f64'], ['y', 'f64'], ['z', 'f64'], ['yaw', 'f64'],
    ],
  }),
  DESTROY_ENTITY_ON_CLIENT: defineMessage({
    id: 1001, name: 'DESTROY_ENTITY_ON_CLIENT', target: 'gate', key: 'gateClient', direction: 'game→gate→client',
    fields: [['entityId', 'id'], ['handle', 'u16']],
  }),
  ATTR_DELTA: defineMessage({
    id: 1002, name: 'ATTR_DELTA', target: 'gate', key: 'gateClient', direction: 'game→gate→client',
    fields: [['entityId', 'id'], ['ops', 'list']],
  }),
  CALL_ENTITY_METHOD_ON_CLIENT: defineMessage({
    id: 1003, name: 'CALL_ENTITY_METHOD_ON_CLIENT', target: 'gate', key: 'gateClient',
    direction: 'game→gate→client',
    fields: [['entityId', 'id'], ['method', 'name'], ['args', 'args']],
  }),
  POSITION_SYNC: defineMessage({
    id: 1004, name: 'POSITION_SYNC', target: 'gate', key: 'gateClient',
    direction: 'game→gate→client (raw quantized batch)',
    fields: null,
  }),
  ERROR: defineMessage({
    id: 1005, name: 'ERROR', target: 'gate', key: 'gateClient', direction: 'game/dispatcher/gate→client',
    fields: [['code', 'u16'], ['message', 'str']],
  }),
  WELCOME: defineMessage({
    id: 1006, name: 'WELCOME', target: 'gate', key: 'gateClient', direction: 'gate→client (answer to HELLO)',
    fields: [
      ['protocolVersion', 'u16'], ['heartbeatTimeoutMs', 'u32'], ['maxPayload', 'u32'],
      ['maxMessagesPerSecond', 'u32'], ['maxBytesPerSecond', 'u32'], ['maxArgDepth', 'u32'], ['maxArgElements', 'u32'],
    ],
  }),
  LOST: defineMessage({
    id: 1007, name: 'LOST', target: 'gate', key: 'gateClient', direction: 'gate→client (its player was lost with its game)',
    fields: [['reason', 'str']],
  }),
  RESPONSE: defineMessage({
    // code 0: the RPC returned `value`; else a CLIENT_ERROR_CODES code with `message`, and value nil.
    id: 1060, name: 'RESPONSE', target: 'gate', key: 'gateClient',
    direction: 'game/dispatcher/gate→client (answer to REQUEST_ENTITY_METHOD_FROM_CLIENT)',
    fields: [['requestId', 'u32'], ['code', 'u16'], ['message', 'str'], ['value', 'any']],
  }),

  SPACE_CHANGED: defineMessage({
    // The client's player entered a space (on this game or, migrated, on another): its id and game.
    id: 1040, name: 'SPACE_CHANGED', target: 'gate', key: 'gateClient', direction: 'game→gate→client',
    fields: [['spaceId', 'id'], ['gameId', 'u16']],
  }),

  RESUME_TOKEN: defineMessage({
    id: 1050, name: 'RESUME_TOKEN', target: 'gate', key: 'gateClient', direction: 'gate→client (after WELCOME)',
    fields: [['token', 'bin']],
  }),
  RESUME_RESULT: defineMessage({
    id: 1051, name: 'RESUME_RESULT', target: 'gate', key: 'gateClient', direction: 'game/dispatcher/gate→client (answer to RESUME)',
    fields: [['resumed', 'bool'], ['reason', 'str']],
  }),

  // ── handled by the gate (1500..1999) ─────────────────────────────────────────────────────────
  FILTERED_CALL: defineMessage({
    id: 1500, name: 'FILTERED_CALL', target: 'allGates', key: 'none', direction: 'game→dispatcher→all gates',
    fields: [['key', 'name'], ['op', 'u8'], ['value', 'str'], ['method', 'name'], ['args', 'args']],
  }),
  SET_CLIENT_FILTER_PROP: defineMessage({
    id: 1501, name: 'SET_CLIENT_FILTER_PROP', target: 'gate', key: 'gateClient', direction: 'game→dispatcher→gate',
    fields: [['key', 'name'], ['value', 'str']],
  }),
  CLEAR_CLIENT_FILTER_PROPS: defineMessage({
    id: 1502, name: 'CLEAR_CLIENT_FILTER_PROPS', target: 'gate', key: 'gateClient',
    direction: 'game→dispatcher→gate',
    fields: [],
  }),
  KICK_CLIENT: defineMessage({
    id: 1503, name: 'KICK_CLIENT', target: 'gate', key: 'gateClient', direction: 'game→dispatcher→gate',
    fields: [['code', 'u16'], ['reason', 'str']],
  }),
  POSITION_SYNC_SHARED: defineMessage({
    id: 1504, name: 'POSITION_SYNC_SHARED', target: 'gate', key: 'gate',
    direction: 'game→dispatcher→gate (one raw batch for several clients)',
    fields: null,
  }),

  // ── client → gate (2000..2499): one WebSocket message = u16 type · body ─────────────────────────
  CALL_ENTITY_METHOD_FROM_CLIENT: defineMessage({
    id: 2000, name: 'CALL_ENTITY_METHOD_FROM_CLIENT', target: 'gateLocal', key: 'entity',
    direction: 'client→gate (forwarded as CALL_FROM_CLIENT)',
    fields: [['method', 'name'], ['args', 'args']], untrusted: true,
  }),
  SYNC_POSITION_FROM_CLIENT: defineMessage({
    id: 2001, name: 'SYNC_POSITION_FROM_CLIENT', target: 'gateLocal', key: 'none',
    direction: 'client→gate (raw 32 bytes)',
    fields: null,
  }),
  HEARTBEAT: defineMessage({
    id: 2002, name: 'HEARTBEAT', target: 'gateLocal', key: 'none', direction: 'client→gate (empty body)',
    fields: null,
  }),
  HELLO: defineMessage({
    id: 2003, name: 'HELLO', target: 'gateLocal', key: 'none',
    direction: 'client→gate (raw u16 protocolVersion; the first message of every connection)',
    fields: null,
  }),
  REQUEST_ENTITY_METHOD_FROM_CLIENT: defineMessage({
    id: 2060, name: 'REQUEST_ENTITY_METHOD_FROM_CLIENT', target: 'gateLocal', key: 'entity',
    direction: 'client→gate (forwarded as REQUEST_FROM_CLIENT; answered by RESPONSE)',
    fields: [['requestId', 'u32'], ['method', 'name'], ['args', 'args']], untrusted: true,
  }),
  RESUME: defineMessage({
    id: 2050, name: 'RESUME', target: 'gateLocal', key: 'none',
    direction: 'client→gate (raw u16 protocolVersion · 32-byte token · 16-byte entityId; first message, instead of HELLO)',
    fields: null,
  }),
} as const;

export type MessageName = keyof typeof MSG;

/** Comparison operators of FILTERED_CALL (u8 on the wire), GoWorld's set. */
export const FILTER_OPS = ['=', '!=', '<', '<=', '>', '>='] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

/** Attribute delta op codes: each op in ATTR_DELTA.ops is `[op, path, key, value]`, path outermost-first. */
export const ATTR_OPS = {
  MAP_SET: 1,
  MAP_DEL: 2,
  MAP_CLEAR: 3,
  LIST_SET: 4,
  LIST_APPEND: 5,
  LIST_POP: 6,
} as const;

/**
 * Bumped on any incompatible change of the table or a body layout; a client states it in HELLO, the gate
 * answers WELCOME (same version) or closes with 4008, and dispatchers send it in HANDSHAKE_ACK.
 * 2: HELLO/WELCOME handshake; CALL_FROM_CLIENT keyed entityId · gateId · clientId; ids 17-23 retired;
 *    SET_GAME_ID without banBootEntity.
 * 3: resume (RESUME, RESUME_TOKEN, RESUME_RESULT, CLIENT_RESUME); NOTIFY_CLIENT_DISCONNECTED has a reason.
 */
export const PROTOCOL_VERSION = 3;

const MAX_TYPE = 2499;

/** Ids that were in the table once: never given to another message, so old peers cannot misread one. */
export const RESERVED_IDS: readonly number[] = [17, 18, 19, 20, 21, 22, 23];

/**
 * A slot for every message type, all undefined: tables indexed by type start from this, so they are one
 * packed array rather than a sparse one. They stay readonly by type, not frozen: V8 11 reads a frozen
 * array through its generic keyed-load stub, a call per lookup.
 */
function emptyByType<T>(): (T | undefined)[] {
  return new Array<T | undefined>(MAX_TYPE + 1).fill(undefined);
}

/** A per-type lookup table, built once: `pick(spec)` for every message (undefined where it gives none). */
export function tableByType<T>(pick: (spec: MessageSpec) => T | undefined): readonly (T | undefined)[] {
  const table = emptyByType<T>();
  for (const spec of Object.values(MSG) as MessageSpec[]) table[spec.id] = pick(spec);
  return table;
}

function buildIndex(): readonly (MessageSpec | undefined)[] {
  const index = emptyByType<MessageSpec>();
  for (const spec of Object.values(MSG) as MessageSpec[]) {
    if (index[spec.id] !== undefined || RESERVED_IDS.includes(spec.id)) {
      throw new TsworldError('INVALID_DECLARATION', `message id ${spec.id} is taken or reserved`);
    }
    index[spec.id] = spec;
  }
  return index;
}

/** Dense lookup by type (readonly, see emptyByType): routing and validation are one array index, never a decode. */
const SPEC_BY_ID = buildIndex();

export function messageSpec(type: number): MessageSpec | undefined {
  return type >= 0 && type <= MAX_TYPE ? SPEC_BY_ID[type] : undefined;
}
