import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withDeadline } from '../transport/measure-rounds.ts';

const WORKER = fileURLToPath(new URL('./router-worker.ts', import.meta.url));

export interface RouterProcess {
  readonly port: number;
  /** Closes the worker's stdin (it closes its router and exits) and waits for the exit. */
  stop(): Promise<void>;
}

/** Starts router-worker.ts for one router and resolves with the port it listens on. */
export async function startRouterProcess(name: string): Promise<RouterProcess> {
  // execArgv carries the tsx loader this runner was started with.
  const child = spawn(process.execPath, [...process.execArgv, WORKER, name], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve((JSON.parse(out.slice(0, nl)) as { port: number }).port);
    });
    void exited.then((code) => reject(new Error(`router worker ${name} exited with ${code} before listening`)));
  });
  try {
    const listening = await withDeadline(port, 30_000, `router worker ${name} to listen`);
    return {
      port: listening,
      async stop() {
        child.stdin.end();
        const code = await withDeadline(exited, 5_000, `router worker ${name} to exit`);
        if (code !== 0) throw new Error(`router worker ${name} exited with ${code}`);
      },
    };
  } catch (err) {
    child.kill();
    throw err;
  }
}
