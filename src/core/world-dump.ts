import type { ComponentDump } from '../ecs/schema-match.ts';
import { hashString, type ComponentDef } from '../ecs/schema.ts';
import type { EntityId } from './entity-id.ts';
import { TsworldError } from './errors.ts';
import type { SpaceAoiConfig } from './space.ts';
import type { GameWorld } from './world-api.ts';
import { AoiTrack } from './world-aoi.ts';
import { entityHook } from './world-lifecycle.ts';
import { stateOf } from './world.ts';
import { dumpEntityTable } from './entity-table-dump.ts';
import { guarded, type EntityRecord, type WorldState } from './world-state.ts';

export { loadWorld } from './world-load.ts';
export { entityIdAt, entityRows } from './entity-table-dump.ts';

/** 3: the entity table is indexed by eid and carries the id index, one byte per id character (1 had rows and an id string). */
export const WORLD_DUMP_FORMAT = 3;

export interface WorldDumpHeader {
  format: number;
  /** Hash over every dumped component's schema hash: equal means the arrays load as they are. */
  schemaHash: string;
  tick: number;
  /** World time in ms. */
  now: number;
  gameId: number;
}

export interface TimerDump {
  id: number;
  method: string;
  args: unknown[];
  /** ms left until it fires, so it resumes where it was whatever the new process's clock says. */
  remaining: number;
  interval: number;
  /** A cron entry's expression (Entity.cron); absent for a plain timer. */
  cron?: string;
}

/** One entity as plain data: an eid of the EntityTableDump, as `entityRows` gives it (tools, tests). */
export interface EntityDump {
  id: EntityId;
  eid: number;
  type: string;
  space: EntityId;
  client: string | null;
  clientSyncing: boolean;
  attrs: Record<string, unknown>;
  components: string[];
  timers: TimerDump[];
}

export interface SpaceDump {
  id: EntityId;
  kind: string;
  aoi: SpaceAoiConfig;
}

/**
 * The entity directory, column by column and indexed by eid (length: the dump's highWater): a hundred
 * thousand per-entity objects cost more to build, encode, decode and walk than the whole rest of a
 * swap. The id index travels as its own arrays (see IdIndex), so a load copies it and never parses or
 * hashes an id. Numeric columns are typed arrays (the snapshot file stores them raw, like component
 * arrays); repeated strings are stored once and referenced.
 */
export interface EntityTableDump {
  /** Number of entities. */
  length: number;
  /** IdIndexDump.slots: the id hash table. */
  idSlots: Int32Array;
  /** IdIndexDump.codes: eid e's id is bytes [e * 16, e * 16 + 16). */
  idCodes: Uint8Array;
  /** 1 where an eid has an entity; the other columns mean something only there. */
  listed: Uint8Array;
  typeNames: string[];
  type: Uint32Array;
  /** Index 0 is the nil space. */
  spaceIds: EntityId[];
  space: Uint32Array;
  /** Distinct component lists (names); most worlds have one per entity type. */
  componentSets: string[][];
  componentSet: Uint32Array;
  /** Per type, its entities in eid order. */
  attrs: AttrColumnsDump[];
  /** Only entities with a client or client syncing on. */
  clients: { eid: number; client: string | null; syncing: boolean }[];
  timers: (TimerDump & { eid: number })[];
}

/**
 * One root's values over a type's entities. A snapshot file stores a column of int32s or of numbers
 * raw and reads it back as a typed array (its values are the same numbers); any other is a list.
 */
export type AttrColumn = readonly unknown[] | Int32Array | Float64Array;

/** One entity type's attributes: `columns[r][k]` is root `roots[r]` of the type's k-th entity in eid order. */
export interface AttrColumnsDump {
  type: string;
  roots: string[];
  columns: AttrColumn[];
}

/** Plain data (msgpack-able, typed arrays aside): everything that is not a component array. */
export interface WorldStateDump {
  /** One past the highest live eid; every component array is dumped up to here. */
  highWater: number;
  nextTimerId: number;
  spaces: SpaceDump[];
  entities: EntityTableDump;
}

export interface WorldDump {
  header: WorldDumpHeader;
  components: ComponentDump[];
  state: WorldStateDump;
}

/** What a load had to adapt because the new code differs from the code that made the dump. */
export interface LoadReport {
  droppedComponents: string[];
  addedFields: Record<string, string[]>;
  removedFields: Record<string, string[]>;
  /** entity id → attribute roots reset to their initial value or dropped. */
  resetAttrs: Record<EntityId, string[]>;
}

/**
 * Snapshots a world for a hot swap: onFreeze on every entity, then pending async callbacks and
 * deferred ops are drained so nothing queued is lost, then the entity directory is written column by
 * column and the arrays of every component some entity has are copied wholesale. Nothing in the dump aliases the live world.
 */
export function dumpWorld(world: GameWorld, options: { freeze?: boolean } = {}): WorldDump {
  const state = stateOf(world);
  if (options.freeze ?? true) freezeHooks(state);
  settle(state);
  const entities = dumpEntityTable(state);
  const highWater = entities.listed.length;
  // A component no entity has holds nothing worth keeping (a load gives fresh slots their defaults).
  const used = new Set(entities.componentSets.flat());
  const defs = state.storage.defs().filter((d) => d !== AoiTrack && used.has(d.name));
  const components = defs.map((def) => state.storage.dump(def, highWater));
  return {
    header: {
      format: WORLD_DUMP_FORMAT,
      schemaHash: worldSchemaHash(defs),
      tick: state.tick,
      now: state.now,
      gameId: world.gameId,
    },
    components,
    state: {
      highWater,
      nextTimerId: state.nextTimerId,
      spaces: [...state.spaces.values()]
        .filter((s) => s !== state.nil)
        .map((s) => ({ id: s.id, kind: s.handle.kind, aoi: { ...s.aoi } })),
      entities,
    },
  };
}

/** onFreeze on every alive entity whose type has one; no record is made for the others. */
function freezeHooks(state: WorldState): void {
  if (![...state.types.values()].some((t) => t.hooks.onFreeze !== undefined)) return;
  const dir = state.byId;
  for (const eid of dir.ids.eids()) {
    if (dir.typeAt(eid)?.hooks.onFreeze === undefined) continue;
    const rec = dir.at(eid) as EntityRecord;
    if (rec.state === 'alive') entityHook(state, rec, 'onFreeze', state.api);
  }
}

function settle(state: WorldState): void {
  for (let round = 0; state.posted.length > 0 || state.deferred.length > 0; round++) {
    if (round >= 16) throw new TsworldError('INVALID_STATE', 'deferred ops keep queueing more ops; cannot reach a quiet state to dump');
    const posted = state.posted;
    state.posted = [];
    for (const fn of posted) guarded(state, 'posted callback', fn);
    state.api.applyDeferred();
  }
}

export function worldSchemaHash(defs: readonly ComponentDef[]): string {
  return hashString(defs.map((d) => `${d.name}=${d.schemaHash}`).sort().join(';'));
}
