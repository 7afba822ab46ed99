import { performance } from 'node:perf_hooks';
import type { ComponentDef } from '../ecs/schema.ts';
import type { AttrLayout } from './attr-decl.ts';
import { checkArgs } from './entity-handle.ts';
import type { AnyEntityType, EntityAoiOption } from './entity-type.ts';
import { TsworldError } from './errors.ts';
import type { SpaceAoiConfig, SpaceType } from './space.ts';
import type { TypeSpec } from './value-types.ts';
import type { GameWorld, System } from './world-api.ts';
import { stateOf } from './world.ts';
import type { WorldState } from './world-state.ts';

/** New game code for a running world: what a re-imported game module exports (see GameModule). */
export interface GameCode {
  readonly entityTypes: readonly AnyEntityType[];
  /** Omitted: the world keeps its space types. */
  readonly spaceTypes?: readonly SpaceType[];
  /** Extra components the code uses beyond its entity types' (GameModule.components). */
  readonly components?: readonly ComponentDef[];
  /** Systems by name, in run order; they replace all of the world's. Omitted: systems are kept. */
  readonly systems?: Readonly<Record<string, System>>;
}

export interface SwapReport {
  /** Entity types now running new code (those with live entities and the rest of the new set). */
  readonly entityTypes: readonly string[];
  /** Entity types the old code had and the new one does not (none of them had live entities). */
  readonly removedEntityTypes: readonly string[];
  readonly spaceTypes: readonly string[];
  readonly systems: { readonly added: readonly string[]; readonly removed: readonly string[]; readonly replaced: readonly string[] };
  /** Components whose declaration object changed (re-evaluated modules); their arrays were kept. */
  readonly components: readonly string[];
  readonly entities: number;
  /** Wall time of the whole swap, check included: the time the tick is held. */
  readonly ms: number;
}

/**
 * Level-2 hot swap: runs new game code in a live world without touching its state. Every entity gets
 * the same-named type of the new code, so RPCs, hooks and timers (which call methods by name) run the
 * new functions from the next call on; systems are replaced by name. Attributes, component arrays,
 * timers, clients, spaces and AOI stay exactly as they are.
 *
 * Only behaviour may change. A schema change (an entity type with live entities gone, its components,
 * attributes, persistence or AOI option changed, a component's fields changed, a live space's type gone
 * or its AOI changed, a pending timer whose method is gone or no longer takes its arguments) is
 * refused with SCHEMA_MISMATCH naming every difference, before anything changed: the world is left as
 * it was, and the caller falls back to the level-1 process swap, which migrates data.
 *
 * Call it between ticks (the game's inbound phase), never from inside a system or hook. Code captured
 * before the swap (posted callbacks, pending storage callbacks) still runs the old functions once.
 */
export function swapGameCode(world: GameWorld, code: GameCode): SwapReport | TsworldError {
  const started = performance.now();
  const state = stateOf(world);
  const newTypes = byName(code.entityTypes, 'entity type');
  if (newTypes instanceof TsworldError) return newTypes;
  const newSpaceTypes = code.spaceTypes === undefined ? null : byName(code.spaceTypes, 'space type');
  if (newSpaceTypes instanceof TsworldError) return newSpaceTypes;
  const newDefs = componentsOf(code);
  if (newDefs instanceof TsworldError) return newDefs;

  const problems = [
    ...checkComponents(state, newDefs),
    ...checkEntities(state, newTypes),
    ...(newSpaceTypes === null ? [] : checkSpaces(state, newSpaceTypes)),
  ];
  if (problems.length > 0) {
    return new TsworldError('SCHEMA_MISMATCH', `new code changes the world's schema, use a process swap: ${problems.join('; ')}`);
  }

  const rebound = rebindComponents(state, newDefs);
  const removedEntityTypes = [...state.types.keys()].filter((name) => !newTypes.has(name));
  replaceMap(state.types, newTypes);
  for (const rec of state.byId.allRecords()) {
    rec.type = newTypes.get(rec.type.name) ?? rec.type;
    // A shared set is remapped in place once for all its records (remapping is idempotent).
    if (rebound.size > 0) remapComponents(rec.components as Set<ComponentDef>, rebound);
  }
  if (newSpaceTypes !== null) {
    replaceMap(state.spaceTypes, newSpaceTypes);
    for (const space of state.spaces.values()) {
      if (space.type !== null) space.type = newSpaceTypes.get(space.type.name) ?? space.type;
    }
  }
  const systems = code.systems === undefined ? { added: [], removed: [], replaced: [] } : replaceSystems(state, code.systems);
  return {
    entityTypes: [...newTypes.keys()],
    removedEntityTypes,
    spaceTypes: newSpaceTypes === null ? [] : [...newSpaceTypes.keys()],
    systems,
    components: [...rebound.values()].map((def) => def.name),
    entities: state.byId.size,
    ms: performance.now() - started,
  };
}

function byName<T extends { readonly name: string }>(list: readonly T[], what: string): Map<string, T> | TsworldError {
  const map = new Map<string, T>();
  for (const item of list) {
    if (map.has(item.name)) return new TsworldError('INVALID_DECLARATION', `two ${what}s are named ${item.name}`);
    map.set(item.name, item);
  }
  return map;
}

function componentsOf(code: GameCode): Map<string, ComponentDef> | TsworldError {
  const defs = new Map<string, ComponentDef>();
  for (const def of [...code.entityTypes.flatMap((type) => type.components), ...(code.components ?? [])]) {
    const seen = defs.get(def.name);
    if (seen !== undefined && seen !== def) return new TsworldError('INVALID_DECLARATION', `two different components are named ${def.name}`);
    defs.set(def.name, def);
  }
  return defs;
}

/** A component keeps its arrays only if its fields are the same: the world has one store per name. */
function checkComponents(state: WorldState, defs: ReadonlyMap<string, ComponentDef>): string[] {
  const problems: string[] = [];
  for (const def of defs.values()) {
    const current = state.storage.defByName(def.name);
    if (current !== undefined && current.schemaHash !== def.schemaHash) {
      problems.push(`component ${def.name} fields changed: ${fieldList(current)} -> ${fieldList(def)}`);
    }
  }
  return problems;
}

function checkEntities(state: WorldState, newTypes: ReadonlyMap<string, AnyEntityType>): string[] {
  const live = new Map<string, { type: AnyEntityType; count: number }>();
  const timers = new Map<string, number>();
  for (const rec of state.byId.values()) {
    const seen = live.get(rec.type.name);
    if (seen === undefined) live.set(rec.type.name, { type: rec.type, count: 1 });
    else seen.count++;
    const next = newTypes.get(rec.type.name);
    if (next === undefined) continue;
    for (const timer of rec.timers?.values() ?? []) {
      const decl = next.rpc.get(timer.method);
      const why = decl === undefined ? 'is gone' : checkArgs(decl.args, timer.args) === null ? null : 'no longer takes its arguments';
      if (why === null) continue;
      const key = `${rec.type.name}.${timer.method} ${why}`;
      timers.set(key, (timers.get(key) ?? 0) + 1);
    }
  }
  const problems: string[] = [];
  for (const [name, { type, count }] of live) {
    const next = newTypes.get(name);
    if (next === undefined) problems.push(`entity type ${name} is gone while ${count} of its entities live`);
    else problems.push(...typeDiff(type, next));
  }
  for (const [what, count] of timers) problems.push(`timer method ${what} (${count} pending timer${count === 1 ? '' : 's'})`);
  return problems;
}

function typeDiff(old: AnyEntityType, next: AnyEntityType): string[] {
  const where = `entity type ${old.name}`;
  const problems: string[] = [];
  if (old.persistent !== next.persistent) problems.push(`${where}: persistent ${old.persistent} -> ${next.persistent}`);
  if (aoiKey(old.aoi) !== aoiKey(next.aoi)) problems.push(`${where}: aoi ${aoiKey(old.aoi)} -> ${aoiKey(next.aoi)}`);
  const oldComps = new Map(old.components.map((c) => [c.name, c.schemaHash]));
  const newComps = new Map(next.components.map((c) => [c.name, c.schemaHash]));
  for (const name of oldComps.keys()) if (!newComps.has(name)) problems.push(`${where}: component ${name} removed`);
  for (const name of newComps.keys()) if (!oldComps.has(name)) problems.push(`${where}: component ${name} added`);
  problems.push(...attrDiff(where, old.attrLayout, next.attrLayout));
  return problems;
}

function attrDiff(where: string, old: AttrLayout, next: AttrLayout): string[] {
  const problems: string[] = [];
  for (const name of old.keys()) if (!next.has(name)) problems.push(`${where}: attribute ${name} removed`);
  for (const [name, info] of next) {
    const was = old.get(name);
    if (was === undefined) {
      problems.push(`${where}: attribute ${name} added`);
      continue;
    }
    if (specKey(was.spec) !== specKey(info.spec)) problems.push(`${where}: attribute ${name} type ${specKey(was.spec)} -> ${specKey(info.spec)}`);
    if (was.sync !== info.sync || was.persistent !== info.persistent) {
      problems.push(`${where}: attribute ${name} flags ${flagKey(was)} -> ${flagKey(info)}`);
    }
  }
  return problems;
}

function checkSpaces(state: WorldState, newTypes: ReadonlyMap<string, SpaceType>): string[] {
  const problems: string[] = [];
  const reported = new Set<string>();
  for (const space of state.spaces.values()) {
    const type = space.type;
    if (type === null || space.destroyed || reported.has(type.name)) continue;
    reported.add(type.name);
    const next = newTypes.get(type.name);
    if (next === undefined) problems.push(`space type ${type.name} is gone while spaces of it live`);
    else if (spaceAoiKey(type.aoi) !== spaceAoiKey(next.aoi)) {
      problems.push(`space type ${type.name}: aoi ${spaceAoiKey(type.aoi)} -> ${spaceAoiKey(next.aoi)}`);
    }
  }
  return problems;
}

/** Makes the new declarations the world's; returns old → new for the components whose object changed. */
function rebindComponents(state: WorldState, defs: ReadonlyMap<string, ComponentDef>): Map<ComponentDef, ComponentDef> {
  const rebound = new Map<ComponentDef, ComponentDef>();
  for (const def of defs.values()) {
    const current = state.storage.defByName(def.name);
    if (current === undefined) state.storage.register(def);
    else if (current !== def) {
      state.storage.adopt(def);
      rebound.set(current, def);
    }
  }
  return rebound;
}

/**
 * Delete-and-add rather than a rebuild keeping the order: it allocates nothing, which matters at 100k
 * entities, and the order of the set only groups entities in a dump, it carries no meaning.
 */
function remapComponents(components: Set<ComponentDef>, rebound: ReadonlyMap<ComponentDef, ComponentDef>): void {
  for (const [old, next] of rebound) if (components.delete(old)) components.add(next);
}

function replaceSystems(state: WorldState, next: Readonly<Record<string, System>>): SwapReport['systems'] {
  const names = Object.keys(next);
  const added = names.filter((name) => !state.systems.has(name));
  const replaced = names.filter((name) => state.systems.has(name));
  const removed = [...state.systems.keys()].filter((name) => !(name in next));
  state.systems.clear();
  for (const name of names) state.systems.set(name, next[name]);
  return { added, removed, replaced };
}

function replaceMap<T>(target: Map<string, T>, source: ReadonlyMap<string, T>): void {
  target.clear();
  for (const [name, value] of source) target.set(name, value);
}

function fieldList(def: ComponentDef): string {
  return `{${def.fields.map((f) => `${f.name}:${f.type}`).join(', ')}}`;
}

function specKey(spec: TypeSpec): string {
  return spec.elem === undefined ? spec.kind : `${spec.kind}<${specKey(spec.elem)}>`;
}

function flagKey(info: { readonly sync: string; readonly persistent: boolean }): string {
  return `[${info.sync}${info.persistent ? ', persistent' : ''}]`;
}

function aoiKey(aoi: EntityAoiOption): string {
  return typeof aoi === 'object' ? `radius ${aoi.radius}` : String(aoi);
}

function spaceAoiKey(aoi: SpaceAoiConfig): string {
  return aoi.enabled ? `radius ${aoi.radius}` : 'off';
}
