import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withDeadline } from './measure-rounds.ts';
import type { SwarmReply, SwarmRequest } from './swarm-protocol.ts';

const SWARM = fileURLToPath(new URL('./client-swarm.ts', import.meta.url));

export interface ClientSwarm {
  /** Opens `count` `ws` clients to `url` (replacing any previous ones). */
  connect(url: string, count: number): Promise<void>;
  /** Resolves once `total` messages have arrived since connect; checks every client got its share. */
  expect(total: number, perClient: number): Promise<{ bytes: number }>;
  stop(): Promise<void>;
}

/** Starts client-swarm.ts in a child process; replies come back one per request, in order. */
export function startClientSwarm(): ClientSwarm {
  // execArgv carries the tsx loader this runner was started with.
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, SWARM], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting: Array<{ resolve(reply: SwarmReply): void; reject(err: Error): void }> = [];
  const failAll = (err: Error) => {
    for (const w of waiting.splice(0)) w.reject(err);
  };
  child.on('message', (reply: SwarmReply) => waiting.shift()?.resolve(reply));
  child.on('error', failAll);
  child.on('exit', (code) => failAll(new Error(`client swarm exited with ${code}`)));

  function request(message: SwarmRequest, timeoutMs: number): Promise<SwarmReply> {
    const answer = new Promise<SwarmReply>((resolve, reject) => waiting.push({ resolve, reject }));
    child.send(message);
    return withDeadline(answer, timeoutMs, `client swarm ${message.op}`).then((reply) => {
      if (reply.op === 'failed') throw new Error(`client swarm: ${reply.error}`);
      return reply;
    });
  }

  return {
    async connect(url, count) {
      const reply = await request({ op: 'connect', url, count }, 30_000);
      if (reply.op !== 'connected' || reply.count !== count) throw new Error(`client swarm opened ${JSON.stringify(reply)}`);
    },
    async expect(total, perClient) {
      const reply = await request({ op: 'expect', total }, 10_000);
      if (reply.op !== 'reached' || reply.total !== total || reply.perClientMin !== perClient || reply.perClientMax !== perClient) {
        throw new Error(`fan-out lost or misrouted messages: expected ${total} (${perClient} each), got ${JSON.stringify(reply)}`);
      }
      return { bytes: reply.bytes };
    },
    stop() {
      if (child.exitCode !== null) return Promise.resolve();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      return withDeadline(exited, 5_000, 'client swarm exit');
    },
  };
}
