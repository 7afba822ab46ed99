import { TsworldError } from '../core/errors.ts';

/**
 * Handles index typed arrays in the fast implementations, so they are bounded: 2^24 is far beyond any
 * space's population and keeps per-handle arrays addressable.
 */
export const MAX_AOI_HANDLE = 1 << 24;

export function checkHandle(handle: number): void {
  if (!Number.isInteger(handle) || handle < 0 || handle >= MAX_AOI_HANDLE) {
    throw new TsworldError('INVALID_ARGUMENT', `AOI handle must be an integer in [0, ${MAX_AOI_HANDLE}), got ${handle}`);
  }
}

export function checkPosition(x: number, z: number): void {
  // `v - v` is NaN for NaN and ±Infinity: one cheap test on the per-tick move path.
  if (x - x !== 0 || z - z !== 0) {
    throw new TsworldError('INVALID_ARGUMENT', `AOI position must be finite, got (${x}, ${z})`);
  }
}

export function checkRadius(radius: number): void {
  if (!(radius >= 0) || radius === Infinity) {
    throw new TsworldError('INVALID_ARGUMENT', `AOI radius must be finite and >= 0, got ${radius}`);
  }
}

export function duplicateHandle(name: string, handle: number): TsworldError {
  return new TsworldError('INVALID_ARGUMENT', `${name}: handle ${handle} is already in the index`);
}

export function unknownHandle(name: string, handle: number): TsworldError {
  return new TsworldError('UNKNOWN_ENTITY', `${name}: handle ${handle} is not in the index`);
}
