export { freezeToFile, restoreFromFile, summarizeLoadReport } from './hot-swap.ts';
export type { FreezeResult, RestoreResult } from './hot-swap.ts';
export { readSnapshot, writeSnapshot } from './snapshot-file.ts';
export type { Snapshot, SnapshotReadInfo, SnapshotWriteInfo } from './snapshot-file.ts';
export { SNAPSHOT_VERSION } from './snapshot-format.ts';
export type { SnapshotPrelude } from './snapshot-format.ts';
export { createModuleReloader } from './module-reload.ts';
export type { ModuleReloader, ModuleReloaderOptions } from './module-reload.ts';
