import { connect } from 'node:net';
import { TsworldError } from '../core/errors.ts';

export type ControlEvent = { event: string } & Record<string, unknown>;

export interface ControlRequest {
  /** Resolves with the `done` event (ok or not); rejects if the process goes away first. */
  readonly done: Promise<ControlEvent>;
  /** Resolves when the process's end of the socket closes: it exited (or closed its control channel). */
  readonly closed: Promise<void>;
  /** Ends the CLI's side (the CLI would otherwise stay alive while the role keeps the socket open). */
  close(): void;
}

/**
 * Sends one request to a role's control socket (src/roles/shared/control-channel.ts) and streams its
 * events to `onEvent` as they come. Rejects at once when nobody listens there.
 */
export function controlRequest(path: string, request: Record<string, unknown>, onEvent: (e: ControlEvent) => void = () => undefined): Promise<ControlRequest> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let buffered = '';
    let settle: { resolve(e: ControlEvent): void; reject(e: Error): void } | null = null;
    const done = new Promise<ControlEvent>((res, rej) => (settle = { resolve: res, reject: rej }));
    // A process that exits without answering rejects `done`; nobody may be awaiting it yet.
    done.catch(() => undefined);
    const closed = new Promise<void>((res) => socket.on('close', () => {
      settle?.reject(new TsworldError('TRANSPORT_FAILURE', `the process at ${path} went away before answering`));
      res();
    }));
    socket.setEncoding('utf8');
    socket.once('error', (cause) => reject(new TsworldError('TRANSPORT_FAILURE', `no control socket at ${path}`, { cause })));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const event = JSON.parse(buffered.slice(0, nl)) as ControlEvent;
        buffered = buffered.slice(nl + 1);
        onEvent(event);
        if (event.event === 'done') settle?.resolve(event);
      }
    });
    socket.once('connect', () => {
      socket.on('error', () => undefined);
      socket.write(`${JSON.stringify(request)}\n`);
      resolve({ done, closed, close: () => void socket.destroy() });
    });
  });
}

/**
 * One request, its `done` answer, and the socket closed again; rejects when nobody listens, when the
 * process goes away, or after `timeoutMs` (code that never settles must not hold the CLI for ever).
 */
export async function controlAsk(path: string, request: Record<string, unknown>, timeoutMs: number): Promise<ControlEvent> {
  const pending = await controlRequest(path, request);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)));
  try {
    return await Promise.race([pending.done, late]);
  } finally {
    clearTimeout(timer);
    pending.close();
  }
}
