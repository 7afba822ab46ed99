import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from '../../observability/index.ts';

/**
 * The one channel between the CLI and a running role (hot swap, in-place reload): a Unix socket per
 * process speaking JSON lines. A daemonized role has no IPC channel once the CLI that started it has
 * exited, and signals carry no answer, so each request gets its progress and its outcome back here, and
 * the socket's close tells the CLI the process is gone. Nothing polls a file.
 *
 * Request: `{"cmd": "<name>", ...}` · events: `{"event": "<name>", ...}` · last: `{"event": "done", "ok": bool, ...}`.
 */
export type ControlEvent = { event: string } & Record<string, unknown>;
export type ControlHandler = (request: Record<string, unknown>, emit: (event: ControlEvent) => void) => Promise<Record<string, unknown>>;

/** Socket paths are limited to ~104 bytes; a long deployment path gets a short, stable one in tmpdir. */
export function controlSocketPath(runDir: string, role: string, id: number): string {
  const preferred = join(runDir, `${role}${id}.control.sock`);
  if (Buffer.byteLength(preferred) <= 100) return preferred;
  const hash = createHash('sha256').update(preferred).digest('hex').slice(0, 16);
  return join(tmpdir(), `tsworld-${hash}.sock`);
}

function serve(socket: Socket, handlers: Readonly<Record<string, ControlHandler>>, log: Logger): void {
  let buffered = '';
  const emit = (event: ControlEvent) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(event)}\n`);
  };
  socket.setEncoding('utf8');
  socket.on('error', () => undefined);
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    // One request per connection, bounded: the CLI sends a short line; anything else is not ours.
    if (buffered.length > 64 * 1024) return void socket.destroy();
    const newline = buffered.indexOf('\n');
    if (newline < 0) return;
    // One request per connection: whatever follows its line is not read, so nothing runs twice.
    socket.removeAllListeners('data');
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>;
    } catch {
      emit({ event: 'done', ok: false, message: 'not a JSON request' });
      return void socket.end();
    }
    const handler = handlers[String(request.cmd)];
    if (!handler) {
      emit({ event: 'done', ok: false, message: `unknown command ${String(request.cmd)}` });
      return void socket.end();
    }
    handler(request, emit).then(
      (outcome) => emit({ ...outcome, event: 'done', ok: outcome.ok !== false }),
      (err: unknown) => {
        log.error({ err, cmd: request.cmd }, 'control command failed');
        emit({ event: 'done', ok: false, message: (err as Error).message });
      },
    );
  });
}

/** Listens on the role's control socket; `close` removes it. Sockets stay open so the CLI sees the exit. */
export async function startControlServer(path: string, handlers: Readonly<Record<string, ControlHandler>>, log: Logger): Promise<{ close(): void }> {
  rmSync(path, { force: true }); // a socket left by a killed process
  mkdirSync(dirname(path), { recursive: true }); // a game started by hand, without the CLI's run dir
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, handlers, log);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  server.unref();
  return {
    close() {
      server.close();
      for (const socket of sockets) socket.unref();
      rmSync(path, { force: true });
    },
  };
}

/** What the supervisor asks every process: an answer at all means its event loop runs (not hung). */
export const PING_HANDLER: Readonly<Record<string, ControlHandler>> = { ping: async () => ({}) };
