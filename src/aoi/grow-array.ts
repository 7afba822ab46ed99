type GrowableArray = Int32Array<ArrayBuffer> | Float32Array<ArrayBuffer> | Float64Array<ArrayBuffer> | Uint8Array<ArrayBuffer>;

/** A new array of the same kind and `length` elements, starting with a copy of `a` (zeros after it). */
export function grownCopy<A extends GrowableArray>(a: A, length: number): A {
  const b = new (a.constructor as new (length: number) => A)(length);
  b.set(a);
  return b;
}
