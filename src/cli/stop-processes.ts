import { isOurProcess, type ProcessRecord, type RunState, START_ORDER } from './run-state.ts';

/** Gates first so clients see a clean close, then games (which save entities), dispatchers last. */
export function stopOrder(processes: readonly ProcessRecord[]): ProcessRecord[] {
  const rank = (p: ProcessRecord): number => START_ORDER.indexOf(p.role);
  return [...processes].sort((a, b) => rank(b) - rank(a) || a.id - b.id);
}

export interface StopReport {
  stopped: ProcessRecord[];
  /** Processes that ignored SIGTERM past the grace period and were killed. */
  killed: ProcessRecord[];
}

/**
 * Sends SIGTERM to each role group in stop order and waits for the group to exit before the next one;
 * a process still alive after `graceMs` gets SIGKILL, so stop always terminates.
 */
export async function stopProcesses(
  processes: readonly ProcessRecord[],
  graceMs: number,
  onProgress: (line: string) => void,
): Promise<StopReport> {
  const report: StopReport = { stopped: [], killed: [] };
  const ordered = stopOrder(processes);
  for (const role of [...START_ORDER].reverse()) {
    const group = ordered.filter((p) => p.role === role);
    await Promise.all(
      group.map(async (p) => {
        if (!(await isOurProcess(p))) return;
        signal(p.pid, 'SIGTERM');
        if (await waitForExit(p, graceMs)) {
          report.stopped.push(p);
          onProgress(`stopped ${p.role}${p.id} (pid ${p.pid})`);
        } else {
          signal(p.pid, 'SIGKILL');
          await waitForExit(p, graceMs);
          report.killed.push(p);
          onProgress(`killed ${p.role}${p.id} (pid ${p.pid}): it ignored SIGTERM for ${graceMs} ms`);
        }
      }),
    );
  }
  return report;
}

export async function killProcesses(processes: readonly ProcessRecord[]): Promise<ProcessRecord[]> {
  const killed: ProcessRecord[] = [];
  for (const p of processes) {
    if (!(await isOurProcess(p))) continue;
    signal(p.pid, 'SIGKILL');
    await waitForExit(p, 5_000);
    killed.push(p);
  }
  return killed;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone between the liveness check and the signal: that is the outcome we wanted.
  }
}

/** Polls liveness: these pids are not our children (daemonized), so there is no exit event to wait on. */
async function waitForExit(p: ProcessRecord, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isOurProcess(p))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !(await isOurProcess(p));
}

/**
 * Stops the deployment's supervisor before anything else, so that nothing `stop` or `kill` ends is
 * started again behind its back.
 */
export async function stopSupervisor(state: RunState, onProgress: (line: string) => void): Promise<void> {
  const sup = state.supervisor;
  if (!sup || !(await isOurProcess({ pid: sup.pid, role: 'supervisor' }))) return;
  signal(sup.pid, 'SIGTERM');
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && (await isOurProcess({ pid: sup.pid, role: 'supervisor' }))) await new Promise((r) => setTimeout(r, 50));
  if (await isOurProcess({ pid: sup.pid, role: 'supervisor' })) signal(sup.pid, 'SIGKILL');
  onProgress(`stopped the supervisor (pid ${sup.pid})`);
}
