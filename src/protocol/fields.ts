/**
 * Field kinds for the msgpack part of a message body. A message declares its fields once, as
 * `[name, kind]` pairs; from that one declaration come the TypeScript value type, the positional
 * msgpack encoding (an array in declaration order: no repeated keys on the wire) and the strict
 * decode-time validation. No hand-kept writer/reader pairs.
 */
export const LIMITS = {
  /** Global ids (entity, client) are exactly this many printable ASCII characters. */
  idLength: 16,
  /** Method, type, property and service names. */
  maxNameLength: 64,
  maxStringLength: 4096,
  /** RPC argument count. */
  maxArgs: 32,
  maxIdList: 1_000_000,
  /** Generic lists (attribute delta ops). */
  maxListLength: 65_535,
} as const;

export type FieldKind =
  | 'id'
  | 'name'
  | 'str'
  | 'u8'
  | 'u16'
  | 'u32'
  | 'f64'
  | 'bool'
  | 'bin'
  | 'ids'
  | 'args'
  | 'list'
  | 'map'
  | 'any';

export interface FieldTypes {
  id: string;
  name: string;
  str: string;
  u8: number;
  u16: number;
  u32: number;
  f64: number;
  bool: boolean;
  bin: Uint8Array;
  ids: string[];
  args: unknown[];
  list: unknown[];
  map: Record<string, unknown>;
  any: unknown;
}

export type FieldDef = readonly [name: string, kind: FieldKind];

/** `[['method','name'],['args','args']]` → `{ method: string; args: unknown[] }`. */
export type FieldsValue<F extends readonly FieldDef[]> = {
  [D in F[number] as D[0]]: FieldTypes[D[1]];
};

/** Printable ASCII without space, so ids are safe in logs, file names and map keys. */
export function isId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== LIMITS.idLength) return false;
  for (let i = 0; i < LIMITS.idLength; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

function isUint(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (value instanceof Uint8Array || value instanceof Map) return false;
  return true;
}

/** Returns null when `value` is a valid `kind`, else a short reason (used in the error message). */
export function checkField(kind: FieldKind, value: unknown): string | null {
  switch (kind) {
    case 'id':
      return isId(value) ? null : 'expected a 16-character ASCII id';
    case 'name':
      return typeof value === 'string' && value.length > 0 && value.length <= LIMITS.maxNameLength
        ? null
        : `expected a name of 1..${LIMITS.maxNameLength} characters`;
    case 'str':
      return typeof value === 'string' && value.length <= LIMITS.maxStringLength
        ? null
        : `expected a string of at most ${LIMITS.maxStringLength} characters`;
    case 'u8':
      return isUint(value, 0xff) ? null : 'expected a u8';
    case 'u16':
      return isUint(value, 0xffff) ? null : 'expected a u16';
    case 'u32':
      return isUint(value, 0xffffffff) ? null : 'expected a u32';
    case 'f64':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'expected a finite number';
    case 'bool':
      return typeof value === 'boolean' ? null : 'expected a boolean';
    case 'bin':
      return value instanceof Uint8Array ? null : 'expected binary';
    case 'ids':
      return Array.isArray(value) && value.length <= LIMITS.maxIdList && value.every(isId)
        ? null
        : 'expected a list of ids';
    case 'args':
      return Array.isArray(value) && value.length <= LIMITS.maxArgs
        ? null
        : `expected an argument list of at most ${LIMITS.maxArgs} items`;
    case 'list':
      return Array.isArray(value) && value.length <= LIMITS.maxListLength
        ? null
        : `expected a list of at most ${LIMITS.maxListLength} items`;
    case 'map':
      return isPlainMap(value) ? null : 'expected a map';
    case 'any':
      return null;
  }
}
