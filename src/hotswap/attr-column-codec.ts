import type { AttrColumn, AttrColumnsDump } from '../core/world-dump.ts';

/** An attribute column stored raw: `attr` indexes the table's attrs, `root` that entry's roots. */
export interface RawAttrColumn {
  attr: number;
  root: number;
  kind: 'i32' | 'f64';
}

/** The column as int32s or doubles, or null when it holds anything but numbers. */
function toRaw(column: AttrColumn): Int32Array | Float64Array | null {
  if (column instanceof Int32Array || column instanceof Float64Array) return column;
  const doubles = new Float64Array(column.length);
  let ints = true;
  for (let k = 0; k < column.length; k++) {
    const v = column[k];
    if (typeof v !== 'number') return null;
    doubles[k] = v;
    // -0 is an integer to JS but not to an Int32Array, which would give back 0.
    if (ints && ((v | 0) !== v || (v === 0 && 1 / v < 0))) ints = false;
  }
  return ints ? new Int32Array(doubles) : doubles;
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
      const array = column.length === 0 ? null : toRaw(column);
      if (array === null) return column;
      raw.push({ attr, root, kind: array instanceof Int32Array ? 'i32' : 'f64' });
      arrays.push(array);
      return [];
    }),
  }));
  return { attrs: rest, raw, arrays };
}

/** Bytes per element of a raw column kind. */
export function rawAttrBytes(kind: RawAttrColumn['kind']): number {
  return kind === 'i32' ? 4 : 8;
}
