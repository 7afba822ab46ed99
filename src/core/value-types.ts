/**
 * A small type DSL shared by attributes and RPC arguments. One spec gives both the TypeScript type
 * (via `Infer`) and a runtime check for untrusted, msgpack-decoded values, so the two cannot drift.
 *
 * Leaves: int (safe integer), float (finite number), bool, string. Containers: list (array), map
 * (string-keyed plain object). `nullable` and `bytes` exist for RPC arguments only; attributes are
 * GoWorld's tree and have no null: absence is a missing map key.
 */
export type TypeKind = 'int' | 'float' | 'bool' | 'string' | 'bytes' | 'list' | 'map' | 'nullable';

export interface TypeSpec<T = unknown> {
  readonly kind: TypeKind;
  readonly elem?: TypeSpec;
  /** Phantom, never set: carries T. */
  readonly __type?: T;
}

export type Infer<S> = S extends TypeSpec<infer T> ? T : never;
export type InferTuple<A extends readonly TypeSpec[]> = { -readonly [I in keyof A]: Infer<A[I]> };

export interface ListSpec<E extends TypeSpec> extends TypeSpec<Infer<E>[]> {
  readonly kind: 'list';
  readonly elem: E;
}
export interface MapSpec<E extends TypeSpec> extends TypeSpec<Record<string, Infer<E>>> {
  readonly kind: 'map';
  readonly elem: E;
}

const leaf = <T>(kind: TypeKind): TypeSpec<T> => Object.freeze({ kind });

export const t = Object.freeze({
  int: leaf<number>('int'),
  float: leaf<number>('float'),
  bool: leaf<boolean>('bool'),
  string: leaf<string>('string'),
  bytes: leaf<Uint8Array>('bytes'),
  list: <E extends TypeSpec>(elem: E): ListSpec<E> => Object.freeze({ kind: 'list', elem }),
  map: <E extends TypeSpec>(elem: E): MapSpec<E> => Object.freeze({ kind: 'map', elem }),
  nullable: <E extends TypeSpec>(elem: E): TypeSpec<Infer<E> | null> => Object.freeze({ kind: 'nullable', elem }),
});

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Returns null when `value` matches `spec`, else a message naming the offending path. */
export function checkValue(spec: TypeSpec, value: unknown, path = 'value'): string | null {
  switch (spec.kind) {
    case 'int':
      return Number.isSafeInteger(value) ? null : `${path} must be an integer`;
    case 'float':
      return typeof value === 'number' && Number.isFinite(value) ? null : `${path} must be a finite number`;
    case 'bool':
      return typeof value === 'boolean' ? null : `${path} must be a boolean`;
    case 'string':
      return typeof value === 'string' ? null : `${path} must be a string`;
    case 'bytes':
      return value instanceof Uint8Array ? null : `${path} must be bytes`;
    case 'nullable':
      return value === null ? null : checkValue(spec.elem as TypeSpec, value, path);
    case 'list': {
      if (!Array.isArray(value)) return `${path} must be a list`;
      for (let i = 0; i < value.length; i++) {
        const err = checkValue(spec.elem as TypeSpec, value[i], `${path}[${i}]`);
        if (err !== null) return err;
      }
      return null;
    }
    case 'map': {
      if (!isPlainObject(value)) return `${path} must be a map`;
      for (const key of Object.keys(value)) {
        const err = checkValue(spec.elem as TypeSpec, value[key], `${path}.${key}`);
        if (err !== null) return err;
      }
      return null;
    }
  }
}

/**
 * Deep copy into the engine's own representation: arrays, and null-prototype objects for maps so a
 * key such as "__proto__" is an ordinary key. Call only on values that passed `checkValue`.
 */
export function cloneValue<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneValue) as T;
  // A copy, not slice(): on a Node Buffer (msgpackr decodes bin to one) slice is a shared view.
  if (value instanceof Uint8Array) return new Uint8Array(value) as T;
  if (typeof value === 'object' && value !== null) {
    const out = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value)) out[key] = cloneValue((value as Record<string, unknown>)[key]);
    return out as T;
  }
  return value;
}

/** A spec that attributes may use: leaves, lists and maps only. */
export function isAttrSpec(spec: TypeSpec): boolean {
  if (spec.kind === 'list' || spec.kind === 'map') return isAttrSpec(spec.elem as TypeSpec);
  return spec.kind === 'int' || spec.kind === 'float' || spec.kind === 'bool' || spec.kind === 'string';
}

export function defaultValueOf(spec: TypeSpec): unknown {
  switch (spec.kind) {
    case 'int':
    case 'float':
      return 0;
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'list':
      return [];
    case 'map':
      return Object.create(null);
    case 'nullable':
      return null;
    case 'bytes':
      return new Uint8Array(0);
  }
}
