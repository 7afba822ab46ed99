import { pathToFileURL } from 'node:url';
import type { AnyEntityType } from '../../core/entity-type.ts';
import { TsworldError } from '../../core/errors.ts';
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
  /** Runs on every game once the deployment is ready (GoWorld's OnGameReady). */
  onGameReady?(world: GameWorld): void;
}

/** Identity at runtime; gives game code type checking of its module. */
export function defineGame(module: GameModule): GameModule {
  return module;
}

/** Imports the game module and checks its shape, so a wrong `entry` fails at start with a clear message. */
export async function loadGameModule(path: string): Promise<GameModule> {
  let mod: { default?: unknown };
  try {
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
