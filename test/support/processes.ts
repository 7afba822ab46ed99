import { readFileSync } from 'node:fs';

/** Running, not merely a zombie waiting for its (re)parent to reap it. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** SIGCONT to every live process of a deployment: one a test stopped (SIGSTOP) would hold `tsworld stop` up. */
export async function wakeStopped(d: { status(): Promise<{ processes: { pid: number; alive: boolean }[] }> } | undefined): Promise<void> {
  const status = await d?.status().catch(() => undefined);
  for (const p of status?.processes ?? []) {
    if (!p.alive) continue;
    try {
      process.kill(p.pid, 'SIGCONT');
    } catch {
      // gone meanwhile
    }
  }
}
