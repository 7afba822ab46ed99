/** The numeric field types a component schema may use, and the typed array behind each. */
export type FieldType = 'f32' | 'f64' | 'u8' | 'u16' | 'u32' | 'i8' | 'i16' | 'i32';

export interface TypedArrayByField {
  f32: Float32Array;
  f64: Float64Array;
  u8: Uint8Array;
  u16: Uint16Array;
  u32: Uint32Array;
  i8: Int8Array;
  i16: Int16Array;
  i32: Int32Array;
}

export type FieldArray = TypedArrayByField[FieldType];

type FieldArrayCtor = { new (length: number): FieldArray; readonly BYTES_PER_ELEMENT: number };

const CTORS: Readonly<Record<FieldType, FieldArrayCtor>> = Object.freeze({
  f32: Float32Array,
  f64: Float64Array,
  u8: Uint8Array,
  u16: Uint16Array,
  u32: Uint32Array,
  i8: Int8Array,
  i16: Int16Array,
  i32: Int32Array,
});

export const FIELD_TYPES: readonly FieldType[] = Object.freeze(Object.keys(CTORS) as FieldType[]);

export function isFieldType(value: unknown): value is FieldType {
  return typeof value === 'string' && Object.hasOwn(CTORS, value);
}

export function bytesPerElement(type: FieldType): number {
  return CTORS[type].BYTES_PER_ELEMENT;
}

export function allocateField(type: FieldType, length: number): FieldArray {
  return new CTORS[type](length);
}
