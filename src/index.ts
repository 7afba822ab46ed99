/**
 * tsworld's public API, curated: every name is listed explicitly. Subpaths (`tsworld/aoi`, ...) carry
 * the seams' implementations.
 */
export { TsworldError } from './core/errors.ts';
export type { ErrorCode } from './core/errors.ts';

// Components and systems
export { defineComponent } from './ecs/schema.ts';
export type { ComponentDef, FieldDef, FieldSpec, FieldSpecs } from './ecs/schema.ts';
export type { FieldType } from './ecs/field-types.ts';
export type { ComponentStore } from './ecs/component-storage.ts';
export { matchComponentSchema } from './ecs/schema-match.ts';
export type { ComponentDump, SchemaMatch } from './ecs/schema-match.ts';
export { AoiRadius, Position, Velocity, Yaw } from './ecs/builtin-components.ts';
export { movementSystem } from './ecs/systems/movement.ts';

// Ids
export { createEntityIdGenerator, isEntityId, ENTITY_ID_LENGTH } from './core/entity-id.ts';
export type { EntityId, EntityIdGenerator, EntityIdGeneratorOptions } from './core/entity-id.ts';

// Values, attributes, entity and space types
export { t, checkValue } from './core/value-types.ts';
export type { Infer, InferTuple, ListSpec, MapSpec, TypeKind, TypeSpec } from './core/value-types.ts';
export { attr } from './core/attr-decl.ts';
export type { AttrDecl, AttrDecls, AttrFlag, AttrSync } from './core/attr-decl.ts';
export type { AttrListRef, AttrMapRef, AttrOp, AttrOpKind, AttrPathKey, AttrsAccessor, DeepReadonly } from './core/attrs.ts';
export { defineEntityType } from './core/entity-type.ts';
export type {
  AnyEntityType,
  ClientDisconnectReason,
  EntityAoiOption,
  EntityHooks,
  EntityType,
  EntityTypeDecl,
  RpcDecl,
  RpcExposure,
} from './core/entity-type.ts';
export type { AnyEntity, CronHandle, Entity, EntityTimers, TimerOptions, Vec3 } from './core/entity.ts';
export { defineService, serviceShardId, shardOfKey, MAX_SERVICE_SHARDS } from './core/service.ts';
export type { AnyServiceType, ServiceDecl, ServiceType } from './core/service.ts';
export type { ServiceCalls } from './core/service-calls.ts';
export type { WorldTimerHandle, WorldTimers } from './core/world-timers.ts';
export { defineSpaceType, nilSpaceId } from './core/space.ts';
export type { Space, SpaceAoiConfig, SpaceHooks, SpaceType } from './core/space.ts';

// The game world
export { createGameWorld } from './core/world.ts';
export type {
  AoiEventHandler,
  AoiEventKind,
  AttrDelta,
  CallResult,
  ClientCall,
  ClientEvent,
  CreateEntityOptions,
  CreateSpaceOptions,
  GameWorld,
  GameWorldOptions,
  RpcCaller,
  System,
  WorldObserver,
  WorldPhases,
  WorldResource,
  WorldResources,
} from './core/world-api.ts';
export { createWorldResources } from './core/world-resources.ts';
export type { ClusterApi, ClusterKv, FilterOperator } from './core/cluster-api.ts';
export type { EntityTypeRef, LoadPlacement, PlacementCalls, SpaceTypeRef } from './core/placement-api.ts';
export type { NilSpaceHandlers } from './core/local-placement.ts';
export { createLocalCluster } from './core/local-cluster.ts';
export { dumpWorld, loadWorld, WORLD_DUMP_FORMAT } from './core/world-dump.ts';
export type { EntityDump, LoadReport, SpaceDump, TimerDump, WorldDump, WorldDumpHeader, WorldStateDump } from './core/world-dump.ts';
export { migrateIn, migrateOut } from './core/world-migrate.ts';
export type { MigrateInOptions, MigrateOutOptions } from './core/world-migrate.ts';
export type { MigrateData } from './core/world-migrate.ts';

// Tick
export { createTickLoop, TICK_PHASES } from './tick/tick-loop.ts';
export type { TickLoop, TickLoopOptions, TickPhase, TickReport } from './tick/tick-loop.ts';
export { createSystemClock, createSystemScheduler } from './tick/clock.ts';
export type { Clock, Scheduler } from './tick/clock.ts';

// Game modules (what a deployment's `entry` default-exports) and hot swap.
export { defineGame } from './roles/game/game-module.ts';
export type { GameModule } from './roles/game/game-module.ts';
export { swapGameCode } from './core/world-swap.ts';
export type { GameCode, SwapReport } from './core/world-swap.ts';
export { freezeToFile, restoreFromFile, createModuleReloader } from './hotswap/index.ts';
