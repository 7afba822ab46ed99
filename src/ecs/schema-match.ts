import { TsworldError } from '../core/errors.ts';
import { bytesPerElement, isFieldType, type FieldType } from './field-types.ts';
import type { ComponentDef } from './schema.ts';

/** One component's arrays as dumped: raw native-endian bytes per field for slots [0, count). */
export interface ComponentDump {
  name: string;
  schemaHash: string;
  count: number;
  fields: { name: string; type: FieldType; bytes: Uint8Array }[];
}

export interface SchemaMatch {
  /** Bytes to load per field of the NEW schema; a field without an entry takes its default. */
  bytes: Map<string, Uint8Array>;
  added: string[];
  removed: string[];
  identical: boolean;
}

/**
 * Matches a dump made by one version of a component against the current declaration, field by name:
 * new fields take their defaults, removed fields are dropped, and a field whose type changed is a
 * SCHEMA_MISMATCH (reinterpreting bytes across types would silently corrupt data).
 */
export function matchComponentSchema(dump: ComponentDump, def: ComponentDef): SchemaMatch {
  if (dump.name !== def.name) {
    throw new TsworldError('SCHEMA_MISMATCH', `dump of component ${dump.name} cannot load into ${def.name}`);
  }
  const dumped = new Map<string, ComponentDump['fields'][number]>();
  for (const field of dump.fields) {
    if (!isFieldType(field.type)) {
      throw new TsworldError('SCHEMA_MISMATCH', `${dump.name}.${field.name}: unknown field type ${String(field.type)} in dump`);
    }
    const expected = dump.count * bytesPerElement(field.type);
    if (field.bytes.byteLength !== expected) {
      throw new TsworldError('SCHEMA_MISMATCH', `${dump.name}.${field.name}: ${field.bytes.byteLength} bytes, expected ${expected}`);
    }
    dumped.set(field.name, field);
  }
  const bytes = new Map<string, Uint8Array>();
  const added: string[] = [];
  for (const field of def.fields) {
    const old = dumped.get(field.name);
    if (old === undefined) {
      added.push(field.name);
      continue;
    }
    if (old.type !== field.type) {
      throw new TsworldError(
        'SCHEMA_MISMATCH',
        `${def.name}.${field.name} changed type from ${old.type} to ${field.type}; a snapshot cannot be converted`,
      );
    }
    bytes.set(field.name, old.bytes);
  }
  const removed = dump.fields.map((f) => f.name).filter((name) => !def.fields.some((f) => f.name === name));
  return { bytes, added, removed, identical: added.length === 0 && removed.length === 0 };
}
