import { MSG, encodeClientPositionMessage } from '../../src/protocol/index.ts';
import { randInt } from '../../src/testing/prng.ts';
import {
  arrayHeader,
  concat,
  mutate,
  randomBytes,
  randomText,
  randomValue,
  str,
  type Bytes,
  type Hostile,
  type Rand,
} from '../support/hostile-msgpack.ts';
import { clientMessage, helloMessage } from '../support/raw-client.ts';

/**
 * Structure-aware cases for the client edge: each starts from a valid message of one of the client
 * types (HELLO, HEARTBEAT, CALL_ENTITY_METHOD_FROM_CLIENT, SYNC_POSITION_FROM_CLIENT) and breaks it in
 * one way, so that most cases get past the framing checks and reach the body decoders.
 */

export interface FuzzCase {
  readonly kind: string;
  readonly how: string;
  readonly messages: readonly (Bytes | string)[];
}

export interface CaseContext {
  /** The connection's own player entity (the boot Account, or an Avatar once logged in). */
  readonly ownId: string;
  /** Players of other connections, on either game: calls to them cross games. */
  readonly otherIds: readonly string[];
  readonly hostile: readonly Hostile[];
  readonly maxPayload: number;
}

/** Methods of the chatroom's entities, server-only ones, and names that hit Object.prototype. */
const METHODS = [
  'register', 'login', 'sendChat', 'relay', 'whereAmI', 'relayed',
  'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'onClientConnected', 'onInit',
] as const;

const pick = <T>(rand: Rand, list: readonly T[]): T => list[randInt(rand, 0, list.length - 1)];

const PRINTABLE = '!#$%&()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~';

function randomId(rand: Rand): string {
  let id = '';
  for (let i = 0; i < 16; i++) id += PRINTABLE[randInt(rand, 0, PRINTABLE.length - 1)];
  return id;
}

function target(rand: Rand, ctx: CaseContext): string {
  const r = rand();
  if (r < 0.55 || ctx.otherIds.length === 0) return ctx.ownId;
  return r < 0.8 ? pick(rand, ctx.otherIds) : randomId(rand);
}

/** An id's 16 raw bytes, as the entity key of a call. */
export const ascii = (s: string): Bytes => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/** A call message built by hand from encoded argument values: `entityId | [method, [args...]]`. */
export function rawCall(entityId: string, method: string, args: readonly Bytes[]): Bytes {
  return clientMessage(MSG.CALL_ENTITY_METHOD_FROM_CLIENT.id, concat(ascii(entityId), arrayHeader(2), str(method), arrayHeader(args.length), ...args));
}

function argValue(rand: Rand): Bytes {
  return rand() < 0.4 ? str(randomText(rand, randInt(rand, 0, 24))) : randomValue(rand);
}

function callBase(rand: Rand, ctx: CaseContext): Bytes {
  const method = rand() < 0.85 ? pick(rand, METHODS) : randomText(rand, randInt(rand, 1, 70));
  return rawCall(target(rand, ctx), method, Array.from({ length: randInt(rand, 0, 4) }, () => argValue(rand)));
}

function positionBase(rand: Rand, ctx: CaseContext): Bytes {
  const coord = () => (rand() - 0.5) * 2 ** randInt(rand, 0, 40);
  return encodeClientPositionMessage({ entityId: rand() < 0.8 ? ctx.ownId : target(rand, ctx), x: coord(), y: coord(), z: coord(), yaw: coord() });
}

const BASES: Record<string, (rand: Rand, ctx: CaseContext) => Bytes> = {
  hello: () => helloMessage(),
  heartbeat: () => clientMessage(MSG.HEARTBEAT.id),
  call: callBase,
  position: positionBase,
};

/**
 * Which valid message a case starts from. After HELLO any HELLO is a handshake fault, so calls (the
 * richest decoder) get most cases; before HELLO, HELLO is the one message with a decoder to reach.
 */
function baseName(rand: Rand, preHello: boolean): string {
  const r = rand();
  if (preHello) return r < 0.4 ? 'hello' : r < 0.6 ? 'call' : r < 0.8 ? 'position' : 'heartbeat';
  return r < 0.5 ? 'call' : r < 0.7 ? 'position' : r < 0.85 ? 'heartbeat' : 'hello';
}

/** Mutates the body 1–3 times, keeping the type most of the time so the type's decoder sees it. */
function mutated(rand: Rand, ctx: CaseContext, base: Bytes): { bytes: Bytes; how: string } {
  const keepType = rand() < 0.85 && base.length >= 2;
  let bytes = keepType ? base.subarray(2) : base;
  const hows: string[] = [];
  for (let i = randInt(rand, 1, 3); i > 0; i--) {
    const m = mutate(rand, bytes, ctx.hostile);
    bytes = m.bytes;
    hows.push(m.how);
  }
  return { bytes: keepType ? concat(base.subarray(0, 2), bytes) : bytes, how: `${keepType ? 'body' : 'whole'}: ${hows.join(', ')}` };
}

/** A well-formed call whose arguments mix hostile values with ordinary ones. */
export function hostileArgsCase(rand: Rand, ctx: CaseContext, methods: readonly string[] = METHODS): FuzzCase {
  // Now and then about the protocol's maximum of 32 arguments, on either side of it.
  const n = rand() < 0.1 ? randInt(rand, 30, 34) : randInt(rand, 1, 4);
  const names: string[] = [];
  const args = Array.from({ length: n }, () => {
    if (rand() < 0.5) return argValue(rand);
    const h = pick(rand, ctx.hostile);
    names.push(h.name);
    return h.bytes;
  });
  const method = pick(rand, methods);
  const message = rawCall(rand() < 0.9 ? ctx.ownId : target(rand, ctx), method, args);
  return { kind: 'hostile-args', how: `${method}(${names.join(', ') || 'ordinary'})`, messages: [message] };
}

function hostileBodyCase(rand: Rand, ctx: CaseContext): FuzzCase {
  const h = pick(rand, ctx.hostile);
  const type = pick(rand, [MSG.HELLO.id, MSG.HEARTBEAT.id, MSG.CALL_ENTITY_METHOD_FROM_CLIENT.id, MSG.SYNC_POSITION_FROM_CLIENT.id]);
  // With an entity key in front, the hostile value sits where the call's [method, args] array goes.
  const keyed = type === MSG.CALL_ENTITY_METHOD_FROM_CLIENT.id && rand() < 0.7;
  const body = keyed ? concat(ascii(target(rand, ctx)), h.bytes) : h.bytes;
  return { kind: 'hostile-body', how: `${type} ${keyed ? 'key + ' : ''}${h.name}`, messages: [clientMessage(type, body)] };
}

function oversizeCase(rand: Rand, ctx: CaseContext): FuzzCase {
  const cut = rand() < 0.3;
  const size = cut ? 2 * ctx.maxPayload + randInt(rand, 1, 4096) : ctx.maxPayload + randInt(rand, 1, 4096);
  const message = new Uint8Array(size);
  message.set(callBase(rand, ctx).subarray(0, 64));
  return { kind: 'oversize', how: `${size} B`, messages: [message] };
}

/** A case for a connection that completed HELLO (or, with `preHello`, one that has not sent it yet). */
export function nextCase(rand: Rand, ctx: CaseContext, preHello = false): FuzzCase {
  const r = randInt(rand, 0, 99);
  const name = baseName(rand, preHello);
  const base = BASES[name](rand, ctx);
  const one = (kind: string, how: string, bytes: Bytes | string): FuzzCase => ({ kind, how, messages: [bytes] });
  if (r < 35) {
    const m = mutated(rand, ctx, base);
    return one(`mutated-${name}`, m.how, m.bytes);
  }
  if (r < 55) return hostileArgsCase(rand, ctx);
  if (r < 65) return hostileBodyCase(rand, ctx);
  if (r < 72) {
    const n = randInt(rand, 0, base.length - 1);
    return one(`truncated-${name}`, `to ${n} of ${base.length}`, base.slice(0, n));
  }
  if (r < 79) {
    const tail = rand() < 0.5 ? randomBytes(rand, randInt(rand, 1, 32)) : randomValue(rand);
    return one(`extended-${name}`, `+${tail.length} B`, concat(base, tail));
  }
  if (r < 82) {
    const type = rand() < 0.5 ? randInt(rand, 0, 0xffff) : randInt(rand, 0, 2499);
    return one('random-type', `type ${type}`, clientMessage(type, randomBytes(rand, randInt(rand, 0, 40))));
  }
  if (r < 90) {
    // Before HELLO, half the bursts open with a valid HELLO: garbage before the boot entity exists.
    const lead = preHello && rand() < 0.5 ? [helloMessage()] : [];
    const count = randInt(rand, 2, 5);
    const messages = [...lead, ...Array.from({ length: count }, () => mutated(rand, ctx, BASES[baseName(rand, false)](rand, ctx)).bytes)];
    return { kind: lead.length > 0 ? 'hello-then-burst' : 'burst', how: `${count} mutated messages`, messages };
  }
  if (r < 97) return one(`valid-${name}`, preHello ? 'before HELLO' : 'as is', base);
  if (r < 98) return one('text', 'text frame', randomText(rand, randInt(rand, 0, 20)));
  return oversizeCase(rand, ctx);
}

export function hex(bytes: Bytes | string, max = 256): string {
  if (typeof bytes === 'string') return `text ${JSON.stringify(bytes)}`;
  const head = Buffer.from(bytes.subarray(0, max)).toString('hex');
  return bytes.length > max ? `${head}… (${bytes.length} B)` : head;
}
