import { statfsSync } from 'node:fs';
import { TsworldError } from '../core/errors.ts';

/** The disk is asked again at most this often; a write burst between two looks is bounded by the reserve. */
const REFRESH_MS = 50;

export interface DiskGuard {
  /**
   * Throws STORAGE_FAILURE (ENOSPC) when writing about `bytes` more would leave the file system holding
   * the store with less than the reserve free. Writes admitted since the disk was last asked count too,
   * so one burst cannot overrun the reserve between two looks.
   */
  check(what: string, bytes: number): void;
}

/**
 * Refuses LMDB writes before the disk is full rather than letting LMDB run into ENOSPC: lmdb-js 3.5's
 * failed-commit path under a burst of writes can corrupt its own heap (seen here as a glibc malloc
 * assertion that aborts the process, about one full-disk burst in six). The refusal is an ordinary
 * STORAGE_FAILURE that the game retries, and the reserve is what LMDB itself still needs meanwhile.
 * `minFreeBytes` 0 turns it off.
 */
const kib = (bytes: number): number => Math.floor(bytes / 1024);

export function createDiskGuard(path: string, minFreeBytes: number, now: () => number = Date.now): DiskGuard {
  let freeBytes = Number.POSITIVE_INFINITY;
  let lookedAt = Number.NEGATIVE_INFINITY;
  let admitted = 0;
  const look = (): void => {
    admitted = 0;
    try {
      const stats = statfsSync(path);
      freeBytes = stats.bavail * stats.bsize;
    } catch {
      // The write itself will fail with the real reason.
      freeBytes = Number.POSITIVE_INFINITY;
    }
    lookedAt = now();
  };
  return {
    check(what, bytes) {
      if (minFreeBytes <= 0) return;
      if (now() - lookedAt >= REFRESH_MS) look();
      if (freeBytes - admitted - bytes >= minFreeBytes) {
        admitted += bytes;
        return;
      }
      throw new TsworldError(
        'STORAGE_FAILURE',
        `LMDB ${what} refused: ENOSPC: the disk of ${path} has ${kib(freeBytes)} KiB free, ${kib(admitted)} KiB of it being written, and keeps ${kib(minFreeBytes)} KiB in reserve (storage.minFreeBytes)`,
      );
    },
  };
}
