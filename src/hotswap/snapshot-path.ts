import { join } from 'node:path';

/** Where game `id`'s hot-swap snapshot lives (GoWorld's game<N>_freezed.dat): the one place this is named. */
export function snapshotPath(snapshotDir: string, id: number): string {
  return join(snapshotDir, `game${id}.snapshot`);
}
