import { CLIENT_ERROR_CODES, MSG, type WireCodec } from '../protocol/index.ts';

/** Options of one request; `timeoutMs` defaults to the client's `requestTimeoutMs`. */
export interface RequestOptions {
  timeoutMs?: number;
}

/**
 * Why a request failed: a CLIENT_ERROR_CODES name the server answered with (UNKNOWN_METHOD,
 * PERMISSION_DENIED, INVALID_ARGUMENT, HANDLER_FAILED, TOO_MANY_REQUESTS, TIMEOUT...), TIMEOUT when
 * no answer came within the request's timeout, DISCONNECTED when the connection closed first,
 * NOT_CONNECTED when there was none, ENCODE when the arguments cannot be sent.
 */
export type RequestErrorCode = keyof typeof CLIENT_ERROR_CODES | 'DISCONNECTED' | 'NOT_CONNECTED' | 'ENCODE';

export class RequestError extends Error {
  readonly code: RequestErrorCode;
  constructor(code: RequestErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RequestError';
    this.code = code;
  }
}

const CODE_NAMES = new Map<number, keyof typeof CLIENT_ERROR_CODES>(
  (Object.entries(CLIENT_ERROR_CODES) as [keyof typeof CLIENT_ERROR_CODES, number][]).map(([name, code]) => [code, name]),
);

interface Pending {
  readonly method: string;
  resolve(value: unknown): void;
  reject(error: RequestError): void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** A client's open requests, by id; RESPONSE settles one, a close fails them all. */
export interface Requests {
  request(entityId: string, method: string, args: readonly unknown[], options?: RequestOptions): Promise<unknown>;
  settle(requestId: number, code: number, message: string, value: unknown): void;
  failAll(reason: string): void;
  readonly pending: number;
}

export function createRequests(codec: WireCodec, send: (bytes: Uint8Array) => boolean, defaultTimeoutMs: number): Requests {
  const pending = new Map<number, Pending>();
  let nextId = 0;
  const takeId = () => {
    do nextId = nextId >= 0xffffffff ? 1 : nextId + 1;
    while (pending.has(nextId));
    return nextId;
  };
  return {
    get pending() {
      return pending.size;
    },
    request(entityId, method, args, options) {
      const requestId = takeId();
      let bytes: Uint8Array;
      try {
        bytes = codec.encodeClientMessage(MSG.REQUEST_ENTITY_METHOD_FROM_CLIENT, { entityId, requestId, method, args: [...args] });
      } catch (cause) {
        return Promise.reject(new RequestError('ENCODE', `cannot encode the arguments of ${method}: ${(cause as Error).message}`, { cause }));
      }
      if (!send(bytes)) return Promise.reject(new RequestError('NOT_CONNECTED', `${method}: not connected`));
      const timeoutMs = options?.timeoutMs ?? defaultTimeoutMs;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(requestId);
          reject(new RequestError('TIMEOUT', `${method}: no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(requestId, { method, resolve, reject, timer });
      });
    },
    settle(requestId, code, message, value) {
      const p = pending.get(requestId);
      if (!p) return; // timed out here already
      pending.delete(requestId);
      clearTimeout(p.timer);
      if (code === 0) p.resolve(value);
      else p.reject(new RequestError(CODE_NAMES.get(code) ?? 'INTERNAL', `${p.method}: ${message}`));
    },
    failAll(reason) {
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(new RequestError('DISCONNECTED', `${p.method}: ${reason}`));
      }
      pending.clear();
    },
  };
}

/**
 * Splits a typed request's arguments from its options: a last argument that is a plain object whose
 * only key is `timeoutMs` is the options (so an RPC whose last argument is exactly such a map must be
 * sent with `client.request`, which takes the arguments as a list).
 */
export function splitRequestArgs(args: readonly unknown[]): { args: readonly unknown[]; options: RequestOptions | undefined } {
  const last = args[args.length - 1];
  if (typeof last !== 'object' || last === null || Array.isArray(last) || Object.getPrototypeOf(last) !== Object.prototype) return { args, options: undefined };
  const keys = Object.keys(last);
  if (keys.length !== 1 || keys[0] !== 'timeoutMs') return { args, options: undefined };
  return { args: args.slice(0, -1), options: last as RequestOptions };
}
