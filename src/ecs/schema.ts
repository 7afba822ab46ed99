import { createHash } from 'node:crypto';
import { TsworldError } from '../core/errors.ts';
import { bytesPerElement, isFieldType, type FieldType } from './field-types.ts';

/** A field as written in `defineComponent`: a bare type, or a type with a default value. */
export type FieldSpec = FieldType | { readonly type: FieldType; readonly default?: number };
export type FieldSpecs = Readonly<Record<string, FieldSpec>>;

export type FieldTypeOf<S extends FieldSpec> = S extends FieldType
  ? S
  : S extends { readonly type: infer T extends FieldType }
    ? T
    : never;

export interface FieldDef {
  readonly name: string;
  readonly type: FieldType;
  readonly default: number;
}

/**
 * A component declaration: a plain immutable descriptor with no storage. Each game world builds its
 * own arrays from it, so two worlds in one process never share component data.
 */
export interface ComponentDef<F extends FieldSpecs = FieldSpecs> {
  readonly kind: 'component';
  readonly name: string;
  /** Fields in declaration order. */
  readonly fields: readonly FieldDef[];
  /** Bytes of storage one entity occupies in this component. */
  readonly byteSize: number;
  /** Stable hash of name + field names + types; independent of field order and defaults. */
  readonly schemaHash: string;
  /** Phantom: carries the field spec for typing stores. Never set at runtime. */
  readonly __fields?: F;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function defineComponent<const F extends FieldSpecs>(name: string, fields: F): ComponentDef<F> {
  if (!IDENT.test(name)) {
    throw new TsworldError('INVALID_DECLARATION', `component name ${JSON.stringify(name)} is not an identifier`);
  }
  const defs: FieldDef[] = [];
  for (const [fieldName, spec] of Object.entries(fields)) {
    if (!IDENT.test(fieldName)) {
      throw new TsworldError('INVALID_DECLARATION', `component ${name}: field ${JSON.stringify(fieldName)} is not an identifier`);
    }
    const type = typeof spec === 'string' ? spec : spec.type;
    if (!isFieldType(type)) {
      throw new TsworldError('INVALID_DECLARATION', `component ${name}.${fieldName}: unknown field type ${String(type)}`);
    }
    const dflt = typeof spec === 'string' ? 0 : (spec.default ?? 0);
    if (typeof dflt !== 'number' || Number.isNaN(dflt)) {
      throw new TsworldError('INVALID_DECLARATION', `component ${name}.${fieldName}: default must be a number`);
    }
    defs.push(Object.freeze({ name: fieldName, type, default: dflt }));
  }
  if (defs.length === 0) {
    throw new TsworldError('INVALID_DECLARATION', `component ${name} has no fields`);
  }
  return Object.freeze({
    kind: 'component',
    name,
    fields: Object.freeze(defs),
    byteSize: defs.reduce((sum, f) => sum + bytesPerElement(f.type), 0),
    schemaHash: schemaHashOf(name, defs),
  }) as ComponentDef<F>;
}

/** Field order does not matter: snapshots are matched field by name, so reordering is not a change. */
export function schemaHashOf(name: string, fields: readonly { name: string; type: FieldType }[]): string {
  const canonical = [...fields]
    .map((f) => `${f.name}:${f.type}`)
    .sort()
    .join(',');
  return hashString(`${name}{${canonical}}`);
}

export function hashString(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
