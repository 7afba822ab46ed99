import { pathToFileURL } from 'node:url';
import { ENGINE_FROM_SOURCE } from '../../core/engine-files.ts';
import type { AnyEntityType } from '../../core/entity-type.ts';
import { TsworldError } from '../../core/errors.ts';
import type { NilSpaceHandlers } from '../../core/local-placement.ts';
import type { AnyServiceType } from '../../core/service.ts';
import type { SpaceType } from '../../core/space.ts';
import type { GameWorld, System } from '../../core/world-api.ts';
import type { ComponentDef } from '../../ecs/schema.ts';

/**
 * What a deployment's game code exports (the config's `entry`): its entity and space types, its
 * systems, and which type each new client connection gets (GoWorld's boot_entity).
 */
export interface GameModule {
  readonly entityTypes: readonly AnyEntityType[];
  readonly spaceTypes?: readonly SpaceType[];
  readonly components?: readonly ComponentDef[];
  /** Systems by name, run each tick in this order. */
  readonly systems?: Readonly<Record<string, System>>;
  /** Entity type created for each new client connection. */
  readonly bootEntity: string;
  /**
   * Cluster singletons (defineService): the cluster creates one entity per shard at deployment ready,
   * and again on a live game when the game holding it dies. Reached with world.cluster.callService*.
   */
  readonly services?: readonly AnyServiceType[];
  /**
   * What `world.cluster.callNilSpaces(method, args)` runs on every game (GoWorld's nil space RPCs), by
   * method: `(world, ...args) => void`.
   */
  readonly nilSpace?: NilSpaceHandlers;
  /** Runs on every game once the deployment is ready (GoWorld's OnGameReady). */
  onGameReady?(world: GameWorld): void;
  /** Runs on every game once every shard of every service exists (world.cluster.servicesReady says the same). */
  onServicesReady?(world: GameWorld): void;
  /**
   * A `world.cluster.call` (or giveClientTo) from this game can never be delivered: the target's game
   * was declared down (code 6, UNREACHABLE) or the target exists nowhere (code 1, UNKNOWN_ENTITY).
   * Calls stay fire-and-forget; this is where a game learns that one went nowhere. Failures are also
   * counted (`tsworld_call_failures_total`) and logged at a bounded rate, with or without this hook.
   */
  onCallFailed?(world: GameWorld, failure: { entityId: string; method: string; code: number; message: string }): void;
}

type EntityTypeNames<M extends GameModule> = M['entityTypes'][number]['name'];

/**
 * Nothing when `bootEntity` names one of the module's entity types; otherwise a property the module
 * lacks, so the compiler's message lists the names it may take.
 */
type BootEntityCheck<M extends GameModule> = M['bootEntity'] extends EntityTypeNames<M>
  ? unknown
  : { readonly bootEntityMustBeOneOf: EntityTypeNames<M> };

/**
 * Identity at runtime; gives game code type checking of its module. The result keeps the module's own
 * type (its entity types as a tuple), so a client can be typed from it: `connectClient<typeof game>(...)`.
 * `bootEntity` must name one of `entityTypes` (a compile error otherwise; loadGameModule checks it at run
 * time too).
 */
export function defineGame<const M extends GameModule>(module: M & BootEntityCheck<M>): M {
  return module;
}

/** Imports the game module and checks its shape, so a wrong `entry` fails at start with a clear message. */
export async function loadGameModule(path: string): Promise<GameModule> {
  let mod: { default?: unknown };
  try {
    // A compiled engine runs on plain Node; a game written in TypeScript gets tsx's loader hooks first.
    // From sources the process already runs under tsx.
    if (!ENGINE_FROM_SOURCE && /\.[cm]?tsx?$/.test(path)) (await import('tsx/esm/api')).register();
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (cause) {
    throw new TsworldError('INVALID_CONFIG', `cannot import game module ${path}: ${(cause as Error).message}`, { cause });
  }
  const game = mod.default as Partial<GameModule> | undefined;
  if (!game || !Array.isArray(game.entityTypes) || typeof game.bootEntity !== 'string') {
    throw new TsworldError(
      'INVALID_CONFIG',
      `game module ${path} must default-export defineGame({ entityTypes, bootEntity, ... })`,
    );
  }
  if (!game.entityTypes.some((t) => t.name === game.bootEntity)) {
    throw new TsworldError('INVALID_CONFIG', `game module ${path}: bootEntity '${game.bootEntity}' is not one of its entityTypes`);
  }
  return game as GameModule;
}
