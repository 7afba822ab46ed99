import { TsworldError } from '../core/errors.ts';
import { allocateField, bytesPerElement, type FieldArray, type TypedArrayByField } from './field-types.ts';
import type { ComponentDef, FieldSpecs, FieldTypeOf } from './schema.ts';
import { matchComponentSchema, type ComponentDump, type SchemaMatch } from './schema-match.ts';

/**
 * The SoA arrays of one component in one world, indexed by eid. This object is also the bitecs
 * component ref, so it stays the same object for the world's life; its arrays do NOT: growing the
 * capacity replaces them. Systems must read `store.x` at the start of each call, never keep an array
 * across calls.
 */
export type ComponentStore<F extends FieldSpecs = FieldSpecs> = {
  [K in keyof F]: TypedArrayByField[FieldTypeOf<F[K]>];
};

export interface ComponentStorageOptions {
  /** Slots allocated up front (eids are 1-based, so slot 0 is unused). Default 1024. */
  initialCapacity?: number;
  /** Hard limit on eids; reaching it is CAPACITY_EXCEEDED. Default 1 << 20. */
  maxCapacity?: number;
}

/** Per-world component arrays. Every store shares one capacity because eids are shared. */
export interface ComponentStorage {
  readonly capacity: number;
  readonly maxCapacity: number;
  register<F extends FieldSpecs>(def: ComponentDef<F>): ComponentStore<F>;
  store<F extends FieldSpecs>(def: ComponentDef<F>): ComponentStore<F>;
  defByName(name: string): ComponentDef | undefined;
  defs(): readonly ComponentDef[];
  /** Grows every store so `eid` is addressable; throws CAPACITY_EXCEEDED past the hard limit. */
  ensureCapacity(eid: number): void;
  /** Writes the field defaults at `eid` (recycled eids carry stale values). */
  resetEntity(def: ComponentDef, eid: number): void;
  /** Copies slots [0, count) of every field wholesale. */
  dump(def: ComponentDef, count: number): ComponentDump;
  /** Loads a dump made by possibly older code: fields matched by name, see matchComponentSchema. */
  load(def: ComponentDef, dump: ComponentDump): void;
  /**
   * In-place code reload: `def` is a re-evaluated declaration of a registered component (same name and
   * schema hash, defaults may differ) and becomes its declaration. The arrays are kept, and earlier
   * declarations keep resolving to them, so a callback queued by the old code still works.
   */
  adopt(def: ComponentDef): void;
}

interface Entry {
  def: ComponentDef;
  store: Record<string, FieldArray>;
  /** Declarations this one replaced (see adopt). */
  previous: Set<ComponentDef> | null;
}

export function createComponentStorage(options: ComponentStorageOptions = {}): ComponentStorage {
  const maxCapacity = options.maxCapacity ?? 1 << 20;
  let capacity = Math.min(options.initialCapacity ?? 1024, maxCapacity);
  if (!(capacity > 0) || !Number.isInteger(capacity) || !Number.isInteger(maxCapacity)) {
    throw new TsworldError('INVALID_ARGUMENT', 'component capacities must be positive integers');
  }
  const entries = new Map<string, Entry>();

  return {
    get capacity() {
      return capacity;
    },
    maxCapacity,
    register<F extends FieldSpecs>(def: ComponentDef<F>): ComponentStore<F> {
      return registerEntry(entries, def, capacity).store as ComponentStore<F>;
    },
    store<F extends FieldSpecs>(def: ComponentDef<F>): ComponentStore<F> {
      return entryOf(entries, def).store as ComponentStore<F>;
    },
    defByName: (name) => entries.get(name)?.def,
    defs: () => [...entries.values()].map((e) => e.def),
    ensureCapacity(eid) {
      if (eid < capacity) return;
      if (eid >= maxCapacity) {
        throw new TsworldError('CAPACITY_EXCEEDED', `entity slot ${eid} exceeds the configured maximum of ${maxCapacity}`);
      }
      const next = Math.min(Math.max(capacity * 2, eid + 1), maxCapacity);
      for (const entry of entries.values()) allocate(entry.def, entry.store, next);
      capacity = next;
    },
    resetEntity(def, eid) {
      const store = entryOf(entries, def).store;
      for (const field of def.fields) store[field.name][eid] = field.default;
    },
    dump: (def, count) => dumpStore(def, entryOf(entries, def).store, Math.min(count, capacity)),
    adopt: (def) => adoptDeclaration(entries, def),
    load(def, dump) {
      const store = entryOf(entries, def).store;
      const plan = matchComponentSchema(dump, def);
      this.ensureCapacity(Math.max(0, dump.count - 1));
      loadFields(def, store, plan, dump.count);
    },
  };
}

/** The entry `def` resolves to: its current declaration or one it replaced (see adopt). */
function entryOf(entries: Map<string, Entry>, def: ComponentDef): Entry {
  const entry = entries.get(def.name);
  if (entry === undefined || (entry.def !== def && entry.previous?.has(def) !== true)) {
    throw new TsworldError('INVALID_ARGUMENT', `component ${def.name} is not registered in this world`);
  }
  return entry;
}

/** Registers `def` with arrays of `capacity` slots; registering it again returns the same entry. */
function registerEntry(entries: Map<string, Entry>, def: ComponentDef, capacity: number): Entry {
  const existing = entries.get(def.name);
  if (existing !== undefined) {
    if (existing.def !== def && existing.previous?.has(def) !== true) {
      throw new TsworldError('INVALID_DECLARATION', `two different components are named ${def.name}`);
    }
    return existing;
  }
  const store: Record<string, FieldArray> = {};
  allocate(def, store, capacity);
  const entry: Entry = { def, store, previous: null };
  entries.set(def.name, entry);
  return entry;
}

/** (Re)allocates every field of `store` at `length` slots, keeping the values it had, defaults after. */
function allocate(def: ComponentDef, store: Record<string, FieldArray>, length: number): void {
  for (const field of def.fields) {
    const next = allocateField(field.type, length);
    const prev = store[field.name];
    if (prev !== undefined) next.set(prev);
    if (field.default !== 0) next.fill(field.default, prev?.length ?? 0);
    store[field.name] = next;
  }
}

function dumpStore(def: ComponentDef, store: Record<string, FieldArray>, n: number): ComponentDump {
  return {
    name: def.name,
    schemaHash: def.schemaHash,
    count: n,
    fields: def.fields.map((field) => {
      const arr = store[field.name];
      return { name: field.name, type: field.type, bytes: new Uint8Array(arr.buffer.slice(0, n * arr.BYTES_PER_ELEMENT)) };
    }),
  };
}

function adoptDeclaration(entries: Map<string, Entry>, def: ComponentDef): void {
  const entry = entries.get(def.name);
  if (entry === undefined) throw new TsworldError('INVALID_ARGUMENT', `component ${def.name} is not registered in this world`);
  if (entry.def === def) return;
  if (entry.def.schemaHash !== def.schemaHash) {
    throw new TsworldError('SCHEMA_MISMATCH', `component ${def.name}: its fields changed, the arrays cannot be kept`);
  }
  (entry.previous ??= new Set()).add(entry.def);
  entry.def = def;
}

/** Fills slots [0, count) from the matched dump fields (defaults for the rest), and defaults after. */
function loadFields(def: ComponentDef, store: Record<string, FieldArray>, plan: SchemaMatch, count: number): void {
  for (const field of def.fields) {
    const arr = store[field.name];
    const bytes = plan.bytes.get(field.name);
    if (bytes === undefined) {
      arr.fill(field.default, 0, count);
    } else {
      // Byte copy, not a typed view: decoded buffers may be unaligned for the element size.
      new Uint8Array(arr.buffer, 0, count * bytesPerElement(field.type)).set(bytes);
    }
    arr.fill(field.default, count);
  }
}
