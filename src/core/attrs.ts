import type { AttrDecls, AttrLayout, AttrRootInfo } from './attr-decl.ts';
import { TsworldError } from './errors.ts';
import {
  checkValue,
  cloneValue,
  isPlainObject,
  type Infer,
  type ListSpec,
  type MapSpec,
  type TypeSpec,
} from './value-types.ts';

export type AttrOpKind = 'mapSet' | 'mapDelete' | 'mapClear' | 'listSet' | 'listAppend' | 'listPop';
export type AttrPathKey = string | number;

/**
 * One change to the attribute tree. `path` leads from the entity's root map to the container the op
 * applies to, outermost first (GoWorld sends innermost first; the wire codec may reverse it): setting
 * root attribute `name` is `{ op: 'mapSet', path: [], key: 'name' }`, appending to list `inv` is
 * `{ op: 'listAppend', path: ['inv'] }`. `value` is a private copy.
 */
export interface AttrOp {
  readonly op: AttrOpKind;
  readonly path: readonly AttrPathKey[];
  readonly key?: AttrPathKey;
  readonly value?: unknown;
}

export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

// An untyped tree (AnyEntity) has `string` keys: there every key is allowed and checked at runtime.
type KeysWhere<D extends AttrDecls, Kind> = string extends keyof D
  ? string
  : { [K in keyof D]: D[K]['spec'] extends Kind ? K : never }[keyof D] & string;
type MapOf<E extends TypeSpec> = unknown extends Infer<E> ? AttrMapRef<TypeSpec> : E extends MapSpec<infer I> ? AttrMapRef<I> : never;
type Only<R, F> = [R] extends [never] ? never : F;
type ListOf<E extends TypeSpec> = unknown extends Infer<E> ? AttrListRef<TypeSpec> : E extends ListSpec<infer I> ? AttrListRef<I> : never;

export interface AttrMapRef<E extends TypeSpec> {
  readonly size: number;
  has(key: string): boolean;
  keys(): string[];
  get(key: string): DeepReadonly<Infer<E>> | undefined;
  set(key: string, value: Infer<E>): void;
  delete(key: string): boolean;
  clear(): void;
  /** Not callable unless the elements are maps. */
  readonly map: Only<MapOf<E>, (key: string) => MapOf<E>>;
  /** Not callable unless the elements are lists. */
  readonly list: Only<ListOf<E>, (key: string) => ListOf<E>>;
}

export interface AttrListRef<E extends TypeSpec> {
  readonly length: number;
  get(index: number): DeepReadonly<Infer<E>> | undefined;
  set(index: number, value: Infer<E>): void;
  append(value: Infer<E>): void;
  pop(): DeepReadonly<Infer<E>> | undefined;
  readonly map: Only<MapOf<E>, (index: number) => MapOf<E>>;
  readonly list: Only<ListOf<E>, (index: number) => ListOf<E>>;
}

/** Typed access to an entity's attributes. Values returned are live and read-only: change them through these methods. */
export interface AttrsAccessor<D extends AttrDecls> {
  get<K extends keyof D & string>(key: K): DeepReadonly<Infer<D[K]['spec']>>;
  set<K extends keyof D & string>(key: K, value: Infer<D[K]['spec']>): void;
  map<K extends KeysWhere<D, MapSpec<TypeSpec>>>(key: K): MapOf<D[K]['spec']>;
  list<K extends KeysWhere<D, ListSpec<TypeSpec>>>(key: K): ListOf<D[K]['spec']>;
}

/** Receives every op with the root attribute it belongs to; decides what to buffer. */
export type AttrOpSink = (root: AttrRootInfo, op: AttrOp) => void;

export interface AttrTree<D extends AttrDecls = AttrDecls> {
  readonly values: Record<string, unknown>;
  readonly accessor: AttrsAccessor<D>;
  /** Plain copy of the roots that pass `filter`. */
  snapshot(filter: (root: AttrRootInfo) => boolean): Record<string, unknown>;
  /**
   * Replaces values wholesale without emitting ops (restore, migrate in). Roots the layout no longer
   * declares are dropped; a missing root or one whose stored value no longer fits its spec takes the
   * initial value. Returns the names of those reset or dropped roots so the caller can report them.
   */
  restore(values: Record<string, unknown>): string[];
}

/**
 * One entity's attribute tree. The tree object is also the accessor, with its methods on the
 * prototype: entities are created by the hundred thousand and per-entity closures cost GC time.
 */
class AttrTreeImpl implements AttrTree<AttrDecls>, AttrsAccessor<AttrDecls> {
  readonly values: Record<string, unknown>;
  readonly layout: AttrLayout;
  readonly sink: AttrOpSink;

  constructor(layout: AttrLayout, sink: AttrOpSink, values?: Record<string, unknown>) {
    this.layout = layout;
    this.sink = sink;
    if (values !== undefined) {
      this.values = values;
      return;
    }
    // Root keys are declared identifiers (checked by compileAttrLayout), so a plain object is safe.
    this.values = initialAttrValues(layout);
  }

  get accessor(): AttrsAccessor<AttrDecls> {
    return this;
  }

  get<K extends string>(key: K): never {
    rootOf(this, [], key);
    return this.values[key] as never;
  }

  set<K extends string>(key: K, value: unknown): void {
    const root = rootOf(this, [], key);
    this.values[key] = checked(root.spec, value, [key]);
    emit(this, root, 'mapSet', [], key, this.values[key]);
  }

  map(key: string): never {
    const root = rootOf(this, [], key);
    if (root.spec.kind !== 'map') fail([key], 'is not a map');
    return mapRef(this, [key], root.spec as MapSpec<TypeSpec>) as never;
  }

  list(key: string): never {
    const root = rootOf(this, [], key);
    if (root.spec.kind !== 'list') fail([key], 'is not a list');
    return listRef(this, [key], root.spec as ListSpec<TypeSpec>) as never;
  }

  snapshot(filter: (root: AttrRootInfo) => boolean): Record<string, unknown> {
    return snapshotAttrValues(this.layout, () => this.values, filter);
  }

  restore(next: Record<string, unknown>): string[] {
    const reset = Object.keys(next).filter((name) => !this.layout.has(name));
    for (const info of this.layout.values()) {
      const value = next[info.name];
      const fits = value !== undefined && checkValue(info.spec, value) === null;
      if (!fits) reset.push(info.name);
      this.values[info.name] = fits ? cloneValue(value) : info.initial();
    }
    return reset;
  }
}

/**
 * `values` (optional) becomes the tree's own storage as it is, not a copy: a restore decodes values
 * that are already checked and private, and wraps them only when the entity's attributes are used.
 */
export function createAttrTree<D extends AttrDecls = AttrDecls>(layout: AttrLayout, sink: AttrOpSink, values?: Record<string, unknown>): AttrTree<D> {
  return new AttrTreeImpl(layout, sink, values) as unknown as AttrTree<D>;
}

/**
 * What AttrTree.snapshot returns, from the values alone: an entity whose attributes are only read for
 * snapshots needs no tree. `values` is asked for only when some root passes `filter`.
 */
export function snapshotAttrValues(layout: AttrLayout, values: () => Record<string, unknown>, filter: (root: AttrRootInfo) => boolean): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  let read: Record<string, unknown> | null = null;
  for (const info of layout.values()) if (filter(info)) out[info.name] = cloneValue((read ??= values())[info.name]);
  return out;
}

/** Every root at its initial value. */
export function initialAttrValues(layout: AttrLayout): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const info of layout.values()) values[info.name] = info.initial();
  return values;
}

function fail(path: readonly AttrPathKey[], why: string): never {
  throw new TsworldError('INVALID_ARGUMENT', `attribute ${path.join('.')}: ${why}`);
}

function rootOf(tree: AttrTreeImpl, path: readonly AttrPathKey[], key?: AttrPathKey): AttrRootInfo {
  const name = path.length > 0 ? path[0] : key;
  const info = typeof name === 'string' ? tree.layout.get(name) : undefined;
  return info ?? fail([...path, ...(key === undefined ? [] : [key])], 'is not declared');
}

function resolve(tree: AttrTreeImpl, path: readonly AttrPathKey[]): unknown {
  let node: unknown = tree.values;
  for (const step of path) {
    node = (node as Record<AttrPathKey, unknown>)[step];
    if (node === undefined) fail(path, 'does not exist');
  }
  return node;
}

function emit(tree: AttrTreeImpl, root: AttrRootInfo, op: AttrOpKind, path: readonly AttrPathKey[], key?: AttrPathKey, value?: unknown): void {
  const copy = value === undefined || root.sync === 'server' ? value : cloneValue(value);
  tree.sink(root, { op, path, key, value: copy });
}

function checked(spec: TypeSpec, value: unknown, where: readonly AttrPathKey[]): unknown {
  const err = checkValue(spec, value, where.join('.'));
  if (err !== null) fail(where, err);
  return cloneValue(value);
}

/** Refs hold a path, not a node: each op re-resolves it, so a ref follows a container that was replaced. */
function mapRef(tree: AttrTreeImpl, path: readonly AttrPathKey[], spec: MapSpec<TypeSpec>): AttrMapRef<TypeSpec> {
  const root = rootOf(tree, path);
  const target = (): Record<string, unknown> => {
    const node = resolve(tree, path);
    return isPlainObject(node) ? node : fail(path, 'is not a map');
  };
  return {
    get size() {
      return Object.keys(target()).length;
    },
    has: (key) => Object.hasOwn(target(), key),
    keys: () => Object.keys(target()),
    get: (key) => target()[key] as never,
    set(key, value) {
      const node = target();
      node[key] = checked(spec.elem, value, [...path, key]);
      emit(tree, root, 'mapSet', path, key, node[key]);
    },
    delete(key) {
      const node = target();
      if (!Object.hasOwn(node, key)) return false;
      delete node[key];
      emit(tree, root, 'mapDelete', path, key);
      return true;
    },
    clear() {
      const node = target();
      for (const key of Object.keys(node)) delete node[key];
      emit(tree, root, 'mapClear', path);
    },
    map: ((key: string) => mapRef(tree, [...path, key], spec.elem as MapSpec<TypeSpec>)) as never,
    list: ((key: string) => listRef(tree, [...path, key], spec.elem as ListSpec<TypeSpec>)) as never,
  };
}

function listRef(tree: AttrTreeImpl, path: readonly AttrPathKey[], spec: ListSpec<TypeSpec>): AttrListRef<TypeSpec> {
  const root = rootOf(tree, path);
  const target = (): unknown[] => {
    const node = resolve(tree, path);
    return Array.isArray(node) ? node : fail(path, 'is not a list');
  };
  return {
    get length() {
      return target().length;
    },
    get: (index) => target()[index] as never,
    set(index, value) {
      const node = target();
      if (!Number.isInteger(index) || index < 0 || index >= node.length) fail([...path, index], 'index out of range');
      node[index] = checked(spec.elem, value, [...path, index]);
      emit(tree, root, 'listSet', path, index, node[index]);
    },
    append(value) {
      const node = target();
      node.push(checked(spec.elem, value, [...path, node.length]));
      emit(tree, root, 'listAppend', path, undefined, node[node.length - 1]);
    },
    pop() {
      const node = target();
      if (node.length === 0) return undefined;
      const value = node.pop();
      emit(tree, root, 'listPop', path);
      return value as never;
    },
    map: ((index: number) => mapRef(tree, [...path, index], spec.elem as MapSpec<TypeSpec>)) as never,
    list: ((index: number) => listRef(tree, [...path, index], spec.elem as ListSpec<TypeSpec>)) as never,
  };
}
