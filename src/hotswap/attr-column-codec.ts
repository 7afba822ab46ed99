import type { AttrColumn, AttrColumnsDump } from '../core/world-dump.ts';

/** An attribute column stored raw: `attr` indexes the table's attrs, `root` that entry's roots. */
export interface RawAttrColumn {
  attr: number;
  root: number;
  kind: 'i32' | 'f64';
}

/** The element type a column fits, or null when it holds anything but numbers (or a -0 in int32s). */
function rawKind(column: AttrColumn): 'i32' | 'f64' | null {
  if (column instanceof Int32Array) return 'i32';
  if (column instanceof Float64Array) return 'f64';
  let ints = true;
  for (let k = 0; k < column.length; k++) {
    const v = column[k];
    if (typeof v !== 'number') return null;
    // -0 is an integer to JS but not to an Int32Array, which would give back 0.
    if (ints && ((v | 0) !== v || Object.is(v, -0))) ints = false;
  }
  return ints ? 'i32' : 'f64';
}

/**
 * Takes the numeric columns out of the attribute table: each is written as one raw section instead
 * of a msgpack value per entity (a hundred thousand hit points encode and decode as one copy).
 * Returns the table with those columns emptied, for the msgpack state, and the raw arrays.
 */
export function splitRawAttrColumns(attrs: readonly AttrColumnsDump[]): {
  attrs: AttrColumnsDump[];
  raw: RawAttrColumn[];
  arrays: (Int32Array | Float64Array)[];
} {
  const raw: RawAttrColumn[] = [];
  const arrays: (Int32Array | Float64Array)[] = [];
  const rest = attrs.map((a, attr) => ({
    ...a,
    columns: a.columns.map((column, root) => {
      const kind = column.length === 0 ? null : rawKind(column);
      if (kind === null) return column;
      raw.push({ attr, root, kind });
      arrays.push(kind === 'i32' ? Int32Array.from(column as ArrayLike<number>) : Float64Array.from(column as ArrayLike<number>));
      return [];
    }),
  }));
  return { attrs: rest, raw, arrays };
}

/** Bytes per element of a raw column kind. */
export function rawAttrBytes(kind: RawAttrColumn['kind']): number {
  return kind === 'i32' ? 4 : 8;
}
