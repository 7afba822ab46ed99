import { existsSync } from 'node:fs';
import type { DeploymentConfig } from '../../config/index.ts';
import { snapshotPath } from '../../hotswap/snapshot-path.ts';
import { controlSocketPath } from '../../roles/shared/control-channel.ts';
import { controlAsk } from '../control-client.ts';
import { lockHeld, withDeploymentLock } from '../deployment-lock.ts';
import { isOurProcess, readRunState, runDir, writeRunState, type ProcessRecord } from '../run-state.ts';
import { createRestartPolicy, type RestartPolicy } from './restart-policy.ts';

/** One line of what the supervisor did, for its log (JSON lines) or the foreground console. */
export type SupervisorSay = (event: string, fields: Record<string, unknown>) => void;

export interface SuperviseOptions {
  readonly config: DeploymentConfig;
  /** Started with `--host NAME`: it watches that host's run file and takes that host's lock. */
  readonly host?: string;
  /** Starts the process again (daemonized, or attached in the foreground); resolves once it serves. */
  start(record: ProcessRecord): Promise<ProcessRecord>;
  readonly say: SupervisorSay;
  /** How often the run file's processes are checked; default 500 ms. */
  readonly checkMs?: number;
}

export interface Supervisor {
  /** One round: find what died or hangs, and schedule its restart. */
  check(): Promise<void>;
  stop(): void;
}

interface Watch {
  readonly options: SuperviseOptions;
  readonly policy: RestartPolicy;
  /** Processes (by name) waiting for their restart, so a dead process is handled once. */
  readonly restarting: Set<string>;
  /** Last answer to a ping, per pid: a process that stops answering is hung (SIGSTOP, a busy loop). */
  readonly lastPong: Map<number, number>;
  readonly timers: Set<ReturnType<typeof setTimeout>>;
  /** Dead games (by pid) left to `tsworld reload --resume`, said once. */
  readonly waitingResume: Set<number>;
  /** Restarts run one at a time: each takes the deployment lock, and two at once would only contend. */
  queue: Promise<void>;
  stopped: boolean;
}

const nameOf = (p: ProcessRecord): string => `${p.role}${p.id}`;

/**
 * The per-host supervisor (OTP style): watches the processes the run file lists, restarts one that died
 * (or hangs: no answer on its control socket for hangTimeoutMs, then SIGKILL) after a backoff,
 * and gives up on one that dies more often than the restart intensity allows. It never acts while a CLI
 * command holds the deployment lock (a reload replaces a game on purpose; a stop stops everything), and
 * it takes the lock for each restart, so a restart and a reload never race over one process.
 */
export function supervise(options: SuperviseOptions): Supervisor {
  const { supervision } = options.config;
  const w: Watch = {
    options,
    policy: createRestartPolicy({ ...supervision, withinMs: supervision.withinSec * 1000 }),
    restarting: new Set(),
    lastPong: new Map(),
    timers: new Set(),
    queue: Promise.resolve(),
    waitingResume: new Set(),
    stopped: false,
  };
  const timer = setInterval(() => void check(w), options.checkMs ?? 500);
  return {
    check: () => check(w),
    stop() {
      w.stopped = true;
      clearInterval(timer);
      for (const t of w.timers) clearTimeout(t);
    },
  };
}

async function check(w: Watch): Promise<void> {
  const { config } = w.options;
  if (w.stopped) return;
  if (lockHeld(config.baseDir, w.options.host)) {
    // Not watching meanwhile (a reload or a restart runs): silence measured across it means nothing.
    for (const pid of w.lastPong.keys()) w.lastPong.set(pid, Date.now());
    return;
  }
  const state = readRunState(config.baseDir, w.options.host);
  if (!state) return;
  for (const record of state.processes) {
    if (record.gaveUp || w.restarting.has(nameOf(record))) continue;
    if (!(await isOurProcess(record))) onDead(w, record, 'exited');
    else if (await hung(w, record)) {
      w.options.say('hung', { process: nameOf(record), pid: record.pid, silentMs: config.supervision.hangTimeoutMs });
      try {
        process.kill(record.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      onDead(w, record, 'hung');
    }
  }
}

/**
 * Pings the process's control socket; true once it has not answered for hangTimeoutMs. That is longer
 * than the links' liveness timeout on purpose: a game the dispatchers declared down and that wakes up
 * fences itself and exits; the kill is for one that never wakes, and must not hit a busy process.
 */
async function hung(w: Watch, record: ProcessRecord): Promise<boolean> {
  const { config } = w.options;
  const now = Date.now();
  const last = w.lastPong.get(record.pid) ?? now;
  if (!w.lastPong.has(record.pid)) w.lastPong.set(record.pid, now);
  const path = controlSocketPath(runDir(config.baseDir), record.role, record.id);
  // Not awaited by the round: a stopped process would hold it for the whole timeout.
  controlAsk(path, { cmd: 'ping' }, config.supervision.hangTimeoutMs).then(
    () => w.lastPong.set(record.pid, Date.now()),
    () => undefined,
  );
  return now - last >= config.supervision.hangTimeoutMs;
}

function onDead(w: Watch, record: ProcessRecord, why: 'exited' | 'hung'): void {
  const name = nameOf(record);
  if (awaitsResume(w, record)) return;
  w.lastPong.delete(record.pid);
  const decision = w.policy.decide(name, Date.now());
  if (decision.action === 'give-up') {
    markGaveUp(w, record);
    const { maxRestarts, withinSec } = w.options.config.supervision;
    w.options.say('gave-up', { process: name, why, restarts: decision.recent, limit: `${maxRestarts} in ${withinSec} s` });
    return;
  }
  w.restarting.add(name);
  w.options.say('restarting', { process: name, pid: record.pid, why, inMs: decision.delayMs, recentRestarts: decision.recent });
  const timer = setTimeout(() => {
    w.timers.delete(timer);
    w.queue = w.queue.then(() => restart(w, record)).finally(() => w.restarting.delete(name));
  }, decision.delayMs);
  w.timers.add(timer);
}

/**
 * A game that froze for a hot swap whose restore failed has its snapshot on disk, and the dispatchers
 * queue its traffic: `tsworld reload --resume` restores it, with its state. A fresh start would throw
 * that state away, so the supervisor leaves it to the operator and says so once.
 */
function awaitsResume(w: Watch, record: ProcessRecord): boolean {
  if (record.role !== 'game' || !existsSync(snapshotPath(w.options.config.hotswap.snapshotDir, record.id))) {
    w.waitingResume.delete(record.pid);
    return false;
  }
  if (!w.waitingResume.has(record.pid)) {
    w.waitingResume.add(record.pid);
    w.options.say('awaiting-resume', { process: nameOf(record), why: 'a hot swap left its snapshot; run tsworld reload --resume' });
  }
  return true;
}

/** Under the lock, if nobody replaced it meanwhile: start it again and record the new pid. */
async function restart(w: Watch, dead: ProcessRecord): Promise<void> {
  const { config } = w.options;
  const name = nameOf(dead);
  const t0 = Date.now();
  try {
    await withDeploymentLock(config.baseDir, `supervisor: restart ${name}`, async () => {
      const state = readRunState(config.baseDir, w.options.host);
      const current = state?.processes.find((p) => p.role === dead.role && p.id === dead.id);
      if (!state || !current || current.pid !== dead.pid || w.stopped) return;
      const fresh = await w.options.start(current);
      Object.assign(current, { ...fresh, restarts: (current.restarts ?? 0) + 1 });
      writeRunState(config.baseDir, state);
      w.options.say('restarted', { process: name, pid: fresh.pid, ms: Date.now() - t0, restarts: current.restarts });
    }, { waitMs: 60_000, host: w.options.host });
  } catch (err) {
    // The lock stayed taken (a long reload) or the start failed: the next round looks again.
    w.options.say('restart-failed', { process: name, error: (err as Error).message });
  }
}

function markGaveUp(w: Watch, record: ProcessRecord): void {
  const state = readRunState(w.options.config.baseDir, w.options.host);
  const current = state?.processes.find((p) => p.role === record.role && p.id === record.id);
  if (!state || !current) return;
  current.gaveUp = true;
  writeRunState(w.options.config.baseDir, state);
}
