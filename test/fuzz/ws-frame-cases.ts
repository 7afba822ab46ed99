import { MSG } from '../../src/protocol/index.ts';
import { randInt } from '../../src/testing/prng.ts';
import { randomBytes, type Rand } from '../support/hostile-msgpack.ts';
import { OP, frame, rawUpgrade, type FrameSpec } from '../support/raw-ws-frames.ts';
import { helloMessage, heartbeatMessage } from '../support/raw-client.ts';

/**
 * Cases below the client protocol, at the WebSocket frame level: what a socket can send that no
 * WebSocket library would. Each runs on its own TCP connection, after a valid HELLO frame or before it.
 */

export interface FrameCase {
  readonly name: string;
  readonly writes: readonly Uint8Array[];
  /** After the writes: wait for the server's answer, half-close, or drop the socket at once. */
  readonly then: 'wait' | 'end' | 'destroy';
  /** RFC 6455 says fail the connection: the server must close or end it. */
  readonly mustEnd: boolean;
  /** A valid message the gate must answer (a fragmented HELLO gets WELCOME). */
  readonly expectWelcome?: boolean;
}

const binary = (payload: Uint8Array | readonly number[], extra: Partial<FrameSpec> = {}) => frame({ opcode: OP.binary, payload, ...extra });

/** Splits `message` into `parts` fragments (first binary, the rest continuation). */
function fragments(message: Uint8Array, parts: number): Uint8Array[] {
  const size = Math.ceil(message.length / parts);
  const out: Uint8Array[] = [];
  for (let i = 0; i * size < message.length; i++) {
    const last = (i + 1) * size >= message.length;
    out.push(frame({ opcode: i === 0 ? OP.binary : OP.continuation, fin: last, payload: message.subarray(i * size, (i + 1) * size) }));
  }
  return out;
}

export function namedFrameCases(rand: Rand, maxPayload: number): FrameCase[] {
  const half = new Uint8Array(Math.floor(maxPayload / 2) + 16);
  half.set(heartbeatMessage());
  const cases: FrameCase[] = [
    { name: 'length 2^63-1, nothing after', writes: [binary([], { declaredLength: 2n ** 63n - 1n, lengthForm: 64 })], then: 'wait', mustEnd: true },
    { name: 'length 2^64-1 (high bit set)', writes: [binary([], { declaredLength: 2n ** 64n - 1n, lengthForm: 64 })], then: 'wait', mustEnd: true },
    { name: 'length 2^32, some bytes', writes: [binary(randomBytes(rand, 1000), { declaredLength: 2n ** 32n, lengthForm: 64 })], then: 'wait', mustEnd: true },
    { name: 'length 3 × maxPayload declared, 1 KB sent, half-close', writes: [binary(new Uint8Array(1024), { declaredLength: 3 * maxPayload })], then: 'end', mustEnd: true },
    { name: 'truncated frame, then reset', writes: [binary(new Uint8Array(50), { declaredLength: 100 })], then: 'destroy', mustEnd: false },
    { name: 'truncated header, then reset', writes: [Uint8Array.from([0x82, 0xfe, 0x01])], then: 'destroy', mustEnd: false },
    { name: '7-bit length written as 64-bit', writes: [binary(heartbeatMessage(), { lengthForm: 64 })], then: 'wait', mustEnd: false },
    { name: 'fragments over maxPayload', writes: [frame({ opcode: OP.binary, fin: false, payload: half }), frame({ opcode: OP.continuation, fin: false, payload: half }), frame({ opcode: OP.continuation, payload: half })], then: 'wait', mustEnd: true },
    { name: 'fragmented HELLO, 1 byte per frame', writes: fragments(helloMessage(), 4), then: 'wait', mustEnd: false, expectWelcome: true },
    { name: '2000 one-byte fragments', writes: fragments(new Uint8Array(2000).fill(0x07), 2000), then: 'wait', mustEnd: true },
    { name: 'continuation without a start', writes: [frame({ opcode: OP.continuation, payload: heartbeatMessage() })], then: 'wait', mustEnd: true },
    { name: 'new message inside a fragmented one', writes: [frame({ opcode: OP.binary, fin: false, payload: [0xd2] }), binary(heartbeatMessage())], then: 'wait', mustEnd: true },
    { name: 'fragmented message never finished', writes: [frame({ opcode: OP.binary, fin: false, payload: [0xd2] })], then: 'end', mustEnd: true },
    ...[0x3, 0x7, 0xb, 0xf].map((opcode) => ({ name: `reserved opcode ${opcode}`, writes: [frame({ opcode, payload: heartbeatMessage() })], then: 'wait' as const, mustEnd: true })),
    ...[1, 2, 4].map((rsv) => ({ name: `RSV bits ${rsv} without an extension`, writes: [binary(heartbeatMessage(), { rsv })], then: 'wait' as const, mustEnd: true })),
    // RFC 6455 says a server must fail an unmasked client frame; uWS accepts it (only browsers need
    // masking, against proxy cache poisoning). Watched, not required.
    { name: 'unmasked client frame', writes: [binary(heartbeatMessage(), { mask: false })], then: 'wait', mustEnd: false },
    { name: 'ping with 126 bytes', writes: [frame({ opcode: OP.ping, payload: new Uint8Array(126) })], then: 'wait', mustEnd: true },
    { name: 'fragmented ping', writes: [frame({ opcode: OP.ping, fin: false, payload: [1] })], then: 'wait', mustEnd: true },
    { name: '1000 pings', writes: Array.from({ length: 1000 }, () => frame({ opcode: OP.ping, payload: [1, 2, 3] })), then: 'wait', mustEnd: false },
    { name: 'unsolicited pong', writes: [frame({ opcode: OP.pong, payload: [1] })], then: 'wait', mustEnd: false },
    { name: 'close with 1-byte payload', writes: [frame({ opcode: OP.close, payload: [0x03] })], then: 'wait', mustEnd: true },
    { name: 'close code 1005 on the wire', writes: [frame({ opcode: OP.close, payload: [0x03, 0xed] })], then: 'wait', mustEnd: true },
    { name: 'close code 999', writes: [frame({ opcode: OP.close, payload: [0x03, 0xe7] })], then: 'wait', mustEnd: true },
    { name: 'close reason invalid UTF-8', writes: [frame({ opcode: OP.close, payload: [0x03, 0xe8, 0xff, 0xfe] })], then: 'wait', mustEnd: true },
    { name: 'text frame, invalid UTF-8', writes: [frame({ opcode: OP.text, payload: [0xff, 0xfe, 0xfd] })], then: 'wait', mustEnd: true },
    { name: 'data after a close frame', writes: [frame({ opcode: OP.close, payload: [0x03, 0xe8] }), binary(heartbeatMessage())], then: 'wait', mustEnd: true },
    { name: 'garbage bytes', writes: [Uint8Array.from(randomBytes(rand, 64))], then: 'wait', mustEnd: false },
  ];
  return cases;
}

/** Whether a received binary message is WELCOME (u16 type 1006). */
export const isWelcome = (payload: Uint8Array): boolean => payload.length >= 2 && (payload[0] | (payload[1] << 8)) === MSG.WELCOME.id;

/** A random frame sequence: random bits, opcodes, length forms and lies, masks and payloads. */
export function randomFrameCase(rand: Rand, index: number): FrameCase {
  const count = randInt(rand, 1, 6);
  const writes = Array.from({ length: count }, () => {
    const payload = randomBytes(rand, randInt(rand, 0, rand() < 0.1 ? 3000 : 40));
    if (rand() < 0.5) payload.set([MSG.HEARTBEAT.id & 0xff, MSG.HEARTBEAT.id >> 8].slice(0, payload.length));
    const lie = rand() < 0.15;
    return frame({
      fin: rand() < 0.8,
      rsv: rand() < 0.1 ? randInt(rand, 1, 7) : 0,
      opcode: rand() < 0.7 ? OP.binary : randInt(rand, 0, 15),
      mask: rand() < 0.95,
      payload,
      declaredLength: lie ? BigInt(randInt(rand, 0, 2 ** 31)) * BigInt(randInt(rand, 1, 3)) : undefined,
      lengthForm: lie ? ([7, 16, 64] as const)[randInt(rand, 0, 2)] : undefined,
    });
  });
  const then = (['wait', 'wait', 'end', 'destroy'] as const)[randInt(rand, 0, 3)];
  return { name: `random #${index}`, writes, then, mustEnd: false };
}

export interface FrameResult {
  /** `close <code>`, `ended` (no close frame), `open`, or `dropped` (the case reset the socket itself). */
  readonly outcome: string;
  readonly problem: string | null;
}

/**
 * Runs one frame case on a fresh TCP connection (after a valid HELLO frame and its WELCOME, with
 * `afterHello`). `waitMs` bounds how long a case that need not end is watched.
 */
export async function runFrameCase(host: string, port: number, c: FrameCase, afterHello: boolean, waitMs: number): Promise<FrameResult> {
  const { status, ws } = await rawUpgrade(host, port);
  if (ws === null) return { outcome: `http ${status}`, problem: `upgrade answered ${status}` };
  try {
    if (afterHello) {
      ws.write(frame({ opcode: OP.binary, payload: helloMessage() }));
      if (!(await ws.waitBinary(isWelcome, 15_000))) return { outcome: 'no welcome', problem: 'no WELCOME for a valid HELLO frame' };
    }
    for (const w of c.writes) ws.write(w);
    if (c.then === 'destroy') return { outcome: 'dropped', problem: null };
    if (c.then === 'end') ws.socket.end();
    const out = await ws.outcome(c.mustEnd ? 15_000 : waitMs);
    const outcome = out.kind === 'close-frame' ? `close ${out.code}` : out.kind;
    if (out.kind === 'close-frame' && out.code === 1011) return { outcome, problem: `close 1011 "${out.reason}": a gate handler failed` };
    if (c.mustEnd && out.kind === 'open') return { outcome, problem: 'still open: the server accepted what RFC 6455 says must fail the connection' };
    if (c.expectWelcome && !afterHello && !(await ws.waitBinary(isWelcome, 5_000))) return { outcome, problem: 'no WELCOME for a fragmented HELLO' };
    return { outcome, problem: null };
  } finally {
    ws.destroy();
  }
}
