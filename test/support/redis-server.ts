import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './deployment.ts';

/**
 * A real redis-server for one test file: its own free loopback port, its own temp directory, AOF on
 * (`appendfsync always`, so what a test saw acknowledged survives a kill -9 and a restart). `kill()`
 * and `start()` take it away and bring it back on the same port and data, for outage tests.
 */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** SIGKILL: the clients see the connection drop, as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (the AOF brings the data back). */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

/** The redis-server binary on PATH, found without starting a process. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Why the Redis tests cannot run here, or undefined when they can. Only a developer machine without
 * redis-server skips them; in CI (`CI` set, where .ci/run installs it) a missing binary is a failure.
 */
export function redisSkipReason(): string | undefined {
  if (findRedisServer() !== undefined) return undefined;
  const reason = 'redis-server is not installed (apt-get install redis-server; .ci/run installs it)';
  if (process.env['CI']) throw new Error(`${reason}, and CI must run the Redis tests`);
  console.warn(`skipping the Redis tests: ${reason}`);
  return reason;
}

/** Where a redis-server listens: loopback by default; `wrap` runs it through a command (e.g. `ip netns exec NS`). */
export interface RedisServerOptions {
  readonly bind?: string;
  readonly port?: number;
  readonly wrap?: readonly string[];
}

function launch(binary: string, port: number, dir: string, options: RedisServerOptions = {}): Promise<ChildProcess> {
  const bind = options.bind ?? '127.0.0.1';
  // An explicit bind address off loopback would otherwise need a password (protected mode); tests have none.
  const args = ['--port', String(port), '--bind', bind, '--protected-mode', bind === '127.0.0.1' ? 'yes' : 'no', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always'];
  const command = [...(options.wrap ?? []), binary, ...args, '--save', '', '--daemonize', 'no', '--logfile', ''];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  // A test process that ends without stop() (a crash, a timeout) must not leave the server behind.
  const reap = (): void => void child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      if (out.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.resume();
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready:\n${out.slice(-2000)}`)));
  });
}

function exited(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = findRedisServer();
  if (!binary) throw new Error('redis-server is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'tsworld-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  // freePort() releases the port before redis binds it; another test may take it meanwhile.
  for (let attempt = 1; !child; attempt++) {
    port = options.port ?? (await freePort());
    try {
      child = await launch(binary, port, dir, options);
    } catch (err) {
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  let current: ChildProcess | undefined = child;
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  return {
    url: `redis://${options.bind ?? '127.0.0.1'}:${port}`,
    port,
    dir,
    async kill() {
      if (current) await exited(current, 'SIGKILL');
      current = undefined;
    },
    async start() {
      if (!current) current = await launch(binary, port, dir, options);
    },
    async stop() {
      if (current) await exited(current, 'SIGTERM');
      current = undefined;
      process.off('exit', removeDir);
      removeDir();
    },
  };
}
