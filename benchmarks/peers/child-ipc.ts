import { type ChildProcess, spawn } from 'node:child_process';
import { engineNodeFlags } from '../../src/core/engine-files.ts';
import { withDeadline } from '../transport/measure-rounds.ts';

/** A message over the IPC channel: `op` names it. */
export interface IpcMessage {
  op: string;
  [key: string]: unknown;
}

export interface IpcChild {
  readonly pid: number;
  /** The first message with op `op` (sent by the child at start, such as 'ready'). */
  next(op: string, timeoutMs: number): Promise<IpcMessage>;
  /** Sends `message` and resolves with the child's next message of op `answer`. */
  request(message: IpcMessage, answer: string, timeoutMs: number): Promise<IpcMessage>;
  /** Closes the channel (the child exits on 'disconnect'); SIGKILL if it is still there after 10 s. */
  stop(): Promise<void>;
}

/**
 * Starts a TypeScript entry in a child process with the flags the engine gives its own processes (tsx,
 * the source condition), so it runs the same under `npm run bench` and under vitest. A
 * message {op: 'failed', error} from the child, or its exit, rejects whatever is waiting.
 */
export function startChild(entry: string, args: string[] = []): IpcChild {
  const child: ChildProcess = spawn(process.execPath, [...engineNodeFlags(), entry, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: IpcMessage[] = [];
  const waiting: Array<{ op: string; resolve(m: IpcMessage): void; reject(err: Error): void }> = [];
  const failAll = (err: Error) => {
    for (const w of waiting.splice(0)) w.reject(err);
  };
  const deliver = () => {
    for (let i = 0; i < waiting.length; i++) {
      const at = inbox.findIndex((m) => m.op === waiting[i].op || m.op === 'failed');
      if (at < 0) continue;
      const [m] = inbox.splice(at, 1);
      const [w] = waiting.splice(i--, 1);
      if (m.op === 'failed') w.reject(new Error(`${entry}: ${String(m.error)}`));
      else w.resolve(m);
    }
  };
  child.on('message', (m: IpcMessage) => {
    inbox.push(m);
    deliver();
  });
  child.on('error', failAll);
  child.on('exit', (code, signal) => failAll(new Error(`${entry} exited with ${signal ?? code}`)));

  const next = (op: string, timeoutMs: number): Promise<IpcMessage> => {
    const answer = new Promise<IpcMessage>((resolve, reject) => waiting.push({ op, resolve, reject }));
    deliver();
    return withDeadline(answer, timeoutMs, `${entry} ${op}`);
  };
  return {
    pid: child.pid ?? -1,
    next,
    request(message, answer, timeoutMs) {
      const reply = next(answer, timeoutMs);
      child.send(message);
      return reply;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
