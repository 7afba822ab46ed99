import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
  /** Started with `--host NAME`: only that host's processes, in that host's own run file. */
  host?: string;
  processes: ProcessRecord[];
  supervisor?: SupervisorRecord;
}

/** Where a deployment keeps its pid table, logs and snapshots: beside its config, never in the repo's git. */
export function runDir(deploymentDir: string): string {
  return join(deploymentDir, '.tsworld');
}

/**
 * run.json for `tsworld start` without --host; run-<host>.json per host otherwise, so hosts that share
 * a deployment directory (one NFS export, or network namespaces on one machine) never mix their pids.
 */
function runFile(deploymentDir: string, host?: string): string {
  return join(runDir(deploymentDir), host === undefined ? 'run.json' : `run-${host}.json`);
}

export function readRunState(deploymentDir: string, host?: string): RunState | undefined {
  try {
    return JSON.parse(readFileSync(runFile(deploymentDir, host), 'utf8')) as RunState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Every run file in this deployment directory: the whole deployment's, and each host's started here. */
export function readAllRunStates(deploymentDir: string): RunState[] {
  let names: string[];
  try {
    names = readdirSync(runDir(deploymentDir));
  } catch {
    return [];
  }
  return names
    .sort()
    .map((n) => (n === 'run.json' ? { host: undefined } : /^run-([A-Za-z][A-Za-z0-9_]*)\.json$/.exec(n) ? { host: n.slice(4, -5) } : null))
    .filter((f): f is { host: string | undefined } => f !== null)
    .map((f) => readRunState(deploymentDir, f.host))
    .filter((s): s is RunState => s !== undefined);
}

/** Written to a temp file and renamed, so a crash mid-write never leaves a torn pid table; a host's state goes to its own file. */
export function writeRunState(deploymentDir: string, state: RunState): void {
  mkdirSync(runDir(deploymentDir), { recursive: true });
  const file = runFile(deploymentDir, state.host);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, file);
}

export function clearRunState(deploymentDir: string, host?: string): void {
  rmSync(runFile(deploymentDir, host), { force: true });
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
