import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Role names of a deployment's processes, in start order. */
export type Role = 'dispatcher' | 'game' | 'gate';
export const START_ORDER: readonly Role[] = ['dispatcher', 'game', 'gate'];

/** One process the CLI started, as written to the deployment's run file. */
export interface ProcessRecord {
  role: Role;
  id: number;
  pid: number;
  /** Where clients connect (gates only). */
  url?: string;
  /** Internal listen address (dispatchers only), informational. */
  listen?: string;
  logFile: string;
  startedAt: string;
  /** Games: the kept copy of the code it runs (src/hotswap/code-copy.ts), which a failed reload rolls back to. */
  code?: string;
  /** How many times the supervisor (or `tsworld restart`) started it again. */
  restarts?: number;
  /** The supervisor gave up on it: it died more often than the restart intensity allows. */
  gaveUp?: boolean;
}

/** The per-host supervisor a daemonized `tsworld start` leaves behind (src/cli/supervisor). */
export interface SupervisorRecord {
  pid: number;
  logFile: string;
  startedAt: string;
}

export interface RunState {
  deployment: string;
  configPath: string;
  processes: ProcessRecord[];
  supervisor?: SupervisorRecord;
}

/** Where a deployment keeps its pid table, logs and snapshots: beside its config, never in the repo's git. */
export function runDir(deploymentDir: string): string {
  return join(deploymentDir, '.tsworld');
}

function runFile(deploymentDir: string): string {
  return join(runDir(deploymentDir), 'run.json');
}

export function readRunState(deploymentDir: string): RunState | undefined {
  try {
    return JSON.parse(readFileSync(runFile(deploymentDir), 'utf8')) as RunState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Written to a temp file and renamed, so a crash mid-write never leaves a torn pid table. */
export function writeRunState(deploymentDir: string, state: RunState): void {
  mkdirSync(runDir(deploymentDir), { recursive: true });
  const tmp = `${runFile(deploymentDir)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, runFile(deploymentDir));
}

export function clearRunState(deploymentDir: string): void {
  rmSync(runFile(deploymentDir), { force: true });
}

/**
 * A pid is only "ours" if it is alive and its command line still names a tsworld role: pids are reused,
 * and a stale run file must never make `tsworld kill` shoot an unrelated process.
 */
export async function isOurProcess(record: Pick<ProcessRecord, 'pid' | 'role'> | { pid: number; role: 'supervisor' }): Promise<boolean> {
  try {
    process.kill(record.pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = await readFile(`/proc/${record.pid}/cmdline`, 'utf8');
    return cmdline.includes(record.role === 'supervisor' ? 'supervisor/main' : `roles/${record.role}/main`);
  } catch {
    // No /proc (not Linux): the signal-0 probe is all we have.
    return true;
  }
}
