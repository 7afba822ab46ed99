import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * WebSocket at the byte level, over a plain TCP socket: for frames no WebSocket library would send
 * (bad lengths, reserved opcodes and bits, unmasked or truncated frames, broken fragmentation). The
 * HTTP upgrade is done by hand too, so the request itself can be broken.
 */

export interface FrameSpec {
  fin?: boolean;
  /** RSV1..3 as a 3-bit number. */
  rsv?: number;
  opcode: number;
  payload?: Uint8Array | readonly number[];
  /** Client frames must be masked; false sends one unmasked. */
  mask?: boolean;
  /** Declare this length instead of the payload's (a lie, for truncation and bombs). */
  declaredLength?: bigint | number;
  /** Force a length form: 7-bit, 16-bit (126) or 64-bit (127). */
  lengthForm?: 7 | 16 | 64;
}

export const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export function frame(spec: FrameSpec): Uint8Array {
  const payload = Uint8Array.from(spec.payload ?? []);
  const mask = spec.mask ?? true;
  const length = BigInt(spec.declaredLength ?? payload.length);
  const form = spec.lengthForm ?? (length < 126n ? 7 : length <= 0xffffn ? 16 : 64);
  const head: number[] = [((spec.fin ?? true) ? 0x80 : 0) | (((spec.rsv ?? 0) & 7) << 4) | (spec.opcode & 0x0f)];
  const maskBit = mask ? 0x80 : 0;
  if (form === 7) head.push(maskBit | Number(length & 0x7fn));
  else if (form === 16) head.push(maskBit | 126, Number((length >> 8n) & 0xffn), Number(length & 0xffn));
  else {
    head.push(maskBit | 127);
    for (let i = 7; i >= 0; i--) head.push(Number((length >> BigInt(8 * i)) & 0xffn));
  }
  const key = mask ? randomBytes(4) : Buffer.alloc(0);
  const body = mask ? payload.map((b, i) => b ^ key[i & 3]) : payload;
  return Uint8Array.from([...head, ...key, ...body]);
}

/** What came back on a raw socket. */
export type RawOutcome =
  | { readonly kind: 'close-frame'; readonly code: number | null; readonly reason: string }
  | { readonly kind: 'ended' }
  | { readonly kind: 'open' };

export interface RawWs {
  readonly socket: Socket;
  /** Binary messages received (unfragmented server frames), payloads only. */
  readonly binary: Uint8Array[];
  write(bytes: Uint8Array | string): void;
  /** The close frame or the end of the connection, or 'open' if neither comes within `timeoutMs`. */
  outcome(timeoutMs: number): Promise<RawOutcome>;
  /** Resolves true once a received binary message matches, false on timeout or the connection's end. */
  waitBinary(match: (payload: Uint8Array) => boolean, timeoutMs: number): Promise<boolean>;
  destroy(): void;
}

export interface UpgradeOptions {
  path?: string;
  /** Extra or replacement header lines; a header with value null is left out. */
  headers?: Record<string, string | null>;
}

/**
 * Opens a TCP connection and upgrades it by hand. Resolves with the HTTP status line's code and, on
 * 101, the raw socket; anything after the response head is kept as the first received bytes.
 */
export function rawUpgrade(host: string, port: number, options: UpgradeOptions = {}): Promise<{ status: number; ws: RawWs | null }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buffered = Buffer.alloc(0);
    let upgraded = false;
    const frames: Uint8Array[] = [];
    let closeFrame: RawOutcome | null = null;
    let ended = false;
    const waiters = new Set<() => void>();
    const poke = () => waiters.forEach((w) => w());

    const parseFrames = () => {
      while (buffered.length >= 2) {
        const opcode = buffered[0] & 0x0f;
        let length = buffered[1] & 0x7f;
        let at = 2;
        if (length === 126) {
          if (buffered.length < 4) return;
          length = buffered.readUInt16BE(2);
          at = 4;
        } else if (length === 127) {
          if (buffered.length < 10) return;
          length = Number(buffered.readBigUInt64BE(2));
          at = 10;
        }
        if (buffered.length < at + length) return;
        const payload = buffered.subarray(at, at + length);
        if (opcode === OP.binary) frames.push(new Uint8Array(payload));
        if (opcode === OP.close && closeFrame === null) {
          closeFrame = { kind: 'close-frame', code: length >= 2 ? payload.readUInt16BE(0) : null, reason: payload.subarray(2).toString() };
        }
        buffered = buffered.subarray(at + length);
      }
    };

    const giveUp = setTimeout(() => {
      if (upgraded) return;
      socket.destroy();
      reject(new Error('no answer to the upgrade within 15 s'));
    }, 15_000);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      ended = true;
      clearTimeout(giveUp);
      if (!upgraded) reject(new Error('connection closed during the upgrade'));
      poke();
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!upgraded) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(buffered.subarray(0, end).toString())?.[1] ?? 0);
        buffered = buffered.subarray(end + 4);
        upgraded = true;
        clearTimeout(giveUp);
        if (status !== 101) {
          socket.destroy();
          return resolve({ status, ws: null });
        }
        resolve({ status, ws });
      }
      parseFrames();
      poke();
    });

    const ws: RawWs = {
      socket,
      binary: frames,
      write(bytes) {
        if (!socket.destroyed) socket.write(bytes);
      },
      outcome(timeoutMs) {
        return new Promise((done) => {
          const check = () => {
            const result = closeFrame ?? (ended ? ({ kind: 'ended' } as const) : null);
            if (result === null) return;
            waiters.delete(check);
            clearTimeout(timer);
            done(result);
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            done({ kind: 'open' });
          }, timeoutMs);
          waiters.add(check);
          check();
        });
      },
      waitBinary(match, timeoutMs) {
        return new Promise((done) => {
          const check = () => {
            const found = frames.some(match);
            if (!found && !ended && closeFrame === null) return;
            waiters.delete(check);
            clearTimeout(timer);
            done(found);
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            done(false);
          }, timeoutMs);
          waiters.add(check);
          check();
        });
      },
      destroy() {
        socket.destroy();
      },
    };

    const headers: Record<string, string | null> = {
      Host: `${host}:${port}`,
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      'Sec-WebSocket-Version': '13',
      ...options.headers,
    };
    const lines = Object.entries(headers).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`);
    socket.write(`GET ${options.path ?? '/ws'} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
  });
}
