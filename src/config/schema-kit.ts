import { isAbsolute, resolve } from 'node:path';
import { suggestKey } from './suggest.ts';

/**
 * A tiny table-driven validator for the deployment config. Each schema checks one value and reports
 * every problem with its full path (`games[1].tickHz: expected integer 1..1000, got "fast"`) instead of
 * stopping at the first, and objects refuse unknown keys with a did-you-mean suggestion. Defaults are
 * NOT applied here: they live in one table in deployment-schema.ts and are merged after validation, so
 * a misspelt key can never be silently replaced by its default.
 */
export interface ParseContext {
  readonly issues: string[];
  /** Directory relative paths are resolved against (the config file's directory). */
  readonly baseDir: string;
}

export const INVALID: unique symbol = Symbol('invalid');
export type Parsed<T> = T | typeof INVALID;

export interface Schema<T> {
  /** What a valid value looks like, for messages: "integer 1..1000". */
  readonly expected: string;
  parse(value: unknown, path: string, ctx: ParseContext): Parsed<T>;
}

export interface Field<T, Optional extends boolean> {
  readonly schema: Schema<T>;
  readonly optional: Optional;
}

type FieldMap = Record<string, Field<unknown, boolean>>;
type RequiredKeys<F extends FieldMap> = { [K in keyof F]: F[K]['optional'] extends true ? never : K }[keyof F];
type OptionalKeys<F extends FieldMap> = Exclude<keyof F, RequiredKeys<F>>;
type FieldValue<F> = F extends Field<infer T, boolean> ? T : never;
export type ObjectOf<F extends FieldMap> = { [K in RequiredKeys<F>]: FieldValue<F[K]> } & {
  [K in OptionalKeys<F>]?: FieldValue<F[K]>;
};

export const required = <T>(schema: Schema<T>): Field<T, false> => ({ schema, optional: false });
export const optional = <T>(schema: Schema<T>): Field<T, true> => ({ schema, optional: true });

export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value);
}

export function problem(ctx: ParseContext, path: string, message: string): typeof INVALID {
  ctx.issues.push(`${path || '(root)'}: ${message}`);
  return INVALID;
}

function leaf<T>(expected: string, accept: (value: unknown, ctx: ParseContext) => Parsed<T>): Schema<T> {
  return {
    expected,
    parse(value, path, ctx) {
      const parsed = accept(value, ctx);
      return parsed === INVALID ? problem(ctx, path, `expected ${expected}, got ${show(value)}`) : parsed;
    },
  };
}

export const integer = (min: number, max: number): Schema<number> =>
  leaf(`integer ${min}..${max}`, (v) => (Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? (v as number) : INVALID));

export const boolean = (): Schema<boolean> => leaf('true or false', (v) => (typeof v === 'boolean' ? v : INVALID));

export const text = (expected: string, pattern: RegExp): Schema<string> =>
  leaf(expected, (v) => (typeof v === 'string' && pattern.test(v) ? v : INVALID));

/** A secret: its value is never echoed in a message, since config errors end up in logs and terminals. */
export const secret = (minLength: number): Schema<string> => ({
  expected: `a secret of at least ${minLength} characters without spaces`,
  parse(value, path, ctx) {
    if (typeof value === 'string' && value.length >= minLength && /^\S+$/.test(value)) return value;
    const got = typeof value === 'string' ? `a string of ${value.length} characters${/\s/.test(value) ? ' with spaces' : ''}` : show(value);
    return problem(ctx, path, `expected a secret of at least ${minLength} characters without spaces, got ${got} (not shown)`);
  },
});

export const oneOf = <const V extends string>(values: readonly V[]): Schema<V> =>
  leaf(`one of ${values.map((v) => `'${v}'`).join(' | ')}`, (v) =>
    typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as V) : INVALID,
  );

/** A filesystem path; relative ones are resolved against the config file's directory. */
export const path = (): Schema<string> =>
  leaf('a non-empty path string', (v, ctx) =>
    typeof v === 'string' && v.length > 0 ? (isAbsolute(v) ? v : resolve(ctx.baseDir, v)) : INVALID,
  );

export function arrayOf<T>(item: Schema<T>, minItems = 0): Schema<T[]> {
  return {
    expected: `an array of ${item.expected}`,
    parse(value, path, ctx) {
      if (!Array.isArray(value)) return problem(ctx, path, `expected an array, got ${show(value)}`);
      if (value.length < minItems) return problem(ctx, path, `expected at least ${minItems} item(s), got ${value.length}`);
      const out: T[] = [];
      let ok = true;
      value.forEach((element: unknown, i) => {
        const parsed = item.parse(element, `${path}[${i}]`, ctx);
        if (parsed === INVALID) ok = false;
        else out.push(parsed);
      });
      return ok ? out : INVALID;
    },
  };
}

export function object<F extends FieldMap>(fields: F): Schema<ObjectOf<F>> {
  const known = Object.keys(fields);
  return {
    expected: 'an object',
    parse(value, path, ctx) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return problem(ctx, path, `expected an object, got ${show(value)}`);
      }
      const input = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      let ok = true;
      for (const key of Object.keys(input)) {
        if (Object.hasOwn(fields, key)) continue;
        const hint = suggestKey(key, known);
        ctx.issues.push(`unknown key '${join(path, key)}'${hint ? ` — did you mean '${hint}'?` : ''}`);
        ok = false;
      }
      for (const [key, field] of Object.entries(fields)) {
        const child = join(path, key);
        if (input[key] === undefined) {
          if (!field.optional) {
            problem(ctx, child, `required key is missing (expected ${field.schema.expected})`);
            ok = false;
          }
          continue;
        }
        const parsed = field.schema.parse(input[key], child, ctx);
        if (parsed === INVALID) ok = false;
        else out[key] = parsed;
      }
      return ok ? (out as ObjectOf<F>) : INVALID;
    },
  };
}

/** An object used as a map: every key must match `key` (e.g. host names), every value `value`. */
export function recordOf<T>(keyExpected: string, key: RegExp, value: Schema<T>): Schema<Record<string, T>> {
  return {
    expected: `an object of ${keyExpected} to ${value.expected}`,
    parse(input, path, ctx) {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        return problem(ctx, path, `expected an object, got ${show(input)}`);
      }
      const out: Record<string, T> = {};
      let ok = true;
      for (const [name, element] of Object.entries(input as Record<string, unknown>)) {
        if (!key.test(name)) {
          problem(ctx, join(path, name), `expected the key to be ${keyExpected}`);
          ok = false;
          continue;
        }
        const parsed = value.parse(element, join(path, name), ctx);
        if (parsed === INVALID) ok = false;
        else out[name] = parsed;
      }
      return ok ? out : INVALID;
    },
  };
}

/** One of several object shapes chosen by a string tag (`{ kind: 'lmdb', path }` vs `{ kind: 'memory' }`). */
export function tagged<Tag extends string, M extends Record<string, FieldMap>>(
  tag: Tag,
  variants: M,
): Schema<{ [K in keyof M]: { [T in Tag]: K } & ObjectOf<M[K]> }[keyof M]> {
  const names = Object.keys(variants);
  const tagSchema = oneOf(names);
  const shapes = Object.fromEntries(
    names.map((name) => [name, object({ ...variants[name], [tag]: required(tagSchema) })]),
  );
  return {
    expected: `an object with ${tag}: ${tagSchema.expected}`,
    parse(value, path, ctx) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return problem(ctx, path, `expected an object, got ${show(value)}`);
      }
      const kind = tagSchema.parse((value as Record<string, unknown>)[tag], join(path, tag), ctx);
      if (kind === INVALID) return INVALID;
      return shapes[kind]!.parse(value, path, ctx) as Parsed<never>;
    },
  };
}

export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
