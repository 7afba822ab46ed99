import { TsworldError } from '../core/errors.ts';

/** The refusal every backend gives a save whose generation is older than the one claimed last. */
export function staleGeneration(typeName: string, entityId: string, given: number, newer: number): TsworldError {
  return new TsworldError(
    'STALE_GENERATION',
    `save of ${typeName} ${entityId} refused: it carries generation ${given}, and generation ${newer} was claimed since (a newer instance owns it)`,
  );
}

/** Generations are positive safe integers (what claim hands out). */
export function checkGeneration(generation: unknown): number | undefined {
  if (generation === undefined) return undefined;
  if (typeof generation !== 'number' || !Number.isSafeInteger(generation) || generation < 1) {
    throw new TsworldError('INVALID_ARGUMENT', `generation must be a positive integer, got ${String(generation)}`);
  }
  return generation;
}
