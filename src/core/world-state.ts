import type { World as EcsWorld } from 'bitecs';
import type { AoiIndex } from '../aoi/aoi-index.ts';
import type { ComponentStorage } from '../ecs/component-storage.ts';
import type { ComponentDef } from '../ecs/schema.ts';
import type { AoiEventLog } from './aoi-event-log.ts';
import type { AttrRootInfo } from './attr-decl.ts';
import type { AttrTree } from './attrs.ts';
import type { AnyEntity } from './entity.ts';
import type { EntityId, EntityIdGenerator } from './entity-id.ts';
import type { AnyEntityType } from './entity-type.ts';
import type { Space, SpaceAoiConfig, SpaceType } from './space.ts';
import type { TimerQueue, TimerRecord } from './timer-queue.ts';
import type { CronBook } from './cron.ts';
import type { EntityDirectory } from './entity-directory.ts';
import type { MemberSet } from './member-set.ts';
import type { WorldTimerTable } from './world-timers.ts';
import type { AttrDelta, ClientCall, ClientEvent, GameWorld, GameWorldOptions, System } from './world-api.ts';

export type EntityState = 'creating' | 'alive' | 'destroying' | 'destroyed';

export interface EntityRecord {
  readonly id: EntityId;
  readonly eid: number;
  /** Replaced by an in-place code swap (world-swap.ts) with the same-named type of the new code. */
  type: AnyEntityType;
  /** Made on first use and then kept: one handle per entity for its whole life. */
  readonly handle: AnyEntity;
  state: EntityState;
  space: SpaceRecord;
  client: string | null;
  clientSyncing: boolean;
  /** The attribute tree over `attrValues`, made on first use. */
  readonly attrs: AttrTree;
  /** Attribute values by root name (the tree's own storage): read these to avoid building the tree. */
  readonly attrValues: Record<string, unknown>;
  /**
   * Copies roots `names` into out[r][k], containers cloned, without building anything: the dump
   * reads every entity's attributes this way.
   */
  readAttrs(names: readonly string[], out: unknown[][], k: number): void;
  /** What `attrs.snapshot(filter)` returns, without building the tree (nor the values, for a type without attributes). */
  attrSnapshot(filter: (root: AttrRootInfo) => boolean): Record<string, unknown>;
  /** Ops are recorded for clients only once the entity is created; earlier values are in every snapshot. */
  recording: boolean;
  /** Deltas since the last drain; null when there are none yet. */
  deltas: AttrDelta[] | null;
  /** Live timers by id; null until the entity's first timer (see ownTimers). */
  timers: Map<number, TimerRecord> | null;
  /** May be shared with other records when `componentsShared`: change it only through ownComponents. */
  components: ReadonlySet<ComponentDef>;
  componentsShared: boolean;
}

export interface SpaceRecord {
  readonly id: EntityId;
  /** Replaced by an in-place code swap (world-swap.ts), like an entity's type. */
  type: SpaceType | null;
  readonly aoi: SpaceAoiConfig;
  readonly index: AoiIndex | null;
  handle: Space;
  destroyed: boolean;
  /** Member eids (records are made on demand: see EntityDirectory). */
  members: MemberSet;
  /** eids whose membership changed since the last AOI phase; reconciled with the index there. */
  changed: Set<number>;
  /** The eids in the index, dense (the per-tick movement scan), placed by AoiTrack.slot. */
  indexed: MemberSet;
}

/** A deferred structural op; applied in order at the commit phase. */
export type DeferredOp = () => void;

/** Everything one world owns. Shared by the world's modules; never exported from the package. */
export interface WorldState {
  readonly options: GameWorldOptions;
  readonly ecs: EcsWorld;
  readonly storage: ComponentStorage;
  readonly ids: EntityIdGenerator;
  readonly types: Map<string, AnyEntityType>;
  readonly spaceTypes: Map<string, SpaceType>;
  /** By id and by eid (`at`: destroyed records too, until their eid is released at the end of the tick). */
  readonly byId: EntityDirectory;
  readonly spaces: Map<EntityId, SpaceRecord>;
  nil: SpaceRecord;
  readonly clients: Map<string, EntityRecord>;
  deferred: DeferredOp[];
  pendingCreates: number;
  posted: (() => void)[];
  /** Shared by every entity without components (entity-record.ts); never changed in place. */
  readonly noComponents: ReadonlySet<ComponentDef>;
  /** Component sets shared by created entities, by their names (sharedComponentSet); never changed in place. */
  readonly componentSets: Map<string, ReadonlySet<ComponentDef>>;
  /** Space enters and leaves and client binds and unbinds so far (GameWorld.membershipChanges). */
  membershipChanges: number;
  /** eids of entities destroyed since the last AOI phase: an index may still hold them. */
  quarantine: number[];
  /** eids the AOI phase has seen go; freed once no undrained AOI pair names them. */
  releasable: number[];
  readonly deltaOrder: EntityRecord[];
  /** AOI pairs since the last drain; destroyed eids are not released while it holds any. */
  readonly aoiEvents: AoiEventLog;
  clientEvents: ClientEvent[];
  clientCalls: ClientCall[];
  readonly saveDirty: Set<EntityRecord>;
  readonly timers: TimerQueue;
  nextTimerId: number;
  /** Parsed cron expressions (cron.ts), and the wall clock their times are read on. */
  readonly cron: CronBook;
  readonly wallNow: () => number;
  /** Game-level timers (world.timers): callbacks, not kept across a process swap. */
  readonly worldTimers: WorldTimerTable;
  tick: number;
  now: number;
  readonly systems: Map<string, System>;
  api: GameWorld;
  readonly reportError: (error: unknown, where: string) => void;
}

/** Runs a user callback; a throw is reported, never propagated into the engine's loop. */
export function guarded(state: WorldState, where: string, fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (error) {
    state.reportError(error, where);
    return false;
  }
}
