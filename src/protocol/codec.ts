import type { Packr } from 'msgpackr';
import { TsworldError } from '../core/errors.ts';
import { checkField, isId } from './fields.ts';
import type { FieldDef, FieldsValue } from './fields.ts';
import type { MessageSpec, MessageValue } from './message-spec.ts';
import { messageSpec } from './messages.ts';
import { KEY_SIZE, isIdBytes, readId, readU16, writeId, writeU16 } from './routing-key.ts';
import type { KeyKind } from './routing-key.ts';
import { ProtocolError } from './wire-errors.ts';
import { SCAN_FAULT_TEXT, scanMsgpack } from './msgpack-scan.ts';
import type { ScanLimits } from './msgpack-scan.ts';

/** Anything that takes a frame as two parts and copies them synchronously (a Link, a FrameBatch). */
export interface FrameSink {
  sendParts(type: number, head: Uint8Array, tail: Uint8Array): void;
}

/** The msgpack fields of a message without its key (what a client sees of a to-client message). */
export type MessageFields<S> = S extends MessageSpec<KeyKind, infer F> ? FieldsValue<F> : never;

/**
 * Encodes and decodes structured message bodies (key · msgpack tuple). One per process, built around the
 * process's Packr. Raw-bodied messages (positions, heartbeat) have their own codecs.
 */
export interface WireCodec {
  readonly packr: Packr;
  /** Full body: key bytes then msgpack. Throws TsworldError INVALID_ARGUMENT on a malformed key. */
  encode<S extends MessageSpec>(spec: S, value: MessageValue<S>): Uint8Array;
  /** Same bytes as `encode`, handed to `sink` as (key, msgpack) so the only copy is into its buffer. */
  encodeTo<S extends MessageSpec>(sink: FrameSink, spec: S, value: MessageValue<S>): void;
  /** Strict decode of a full body; never throws. */
  decode<S extends MessageSpec>(spec: S, body: Uint8Array): MessageValue<S> | ProtocolError;
  /** Client side of a to-client message: the gate has stripped the key. Never throws. */
  decodeFields<S extends MessageSpec>(spec: S, fieldsBytes: Uint8Array): MessageFields<S> | ProtocolError;
  /** Client SDK: one WebSocket message (u16 type · body) for a client→gate message. */
  encodeClientMessage<S extends MessageSpec>(spec: S, value: MessageValue<S>): Uint8Array;
  /** Client SDK: one WebSocket message for a to-client message as the gate delivers it (no key). */
  encodeToClientMessage<S extends MessageSpec>(spec: S, value: MessageFields<S>): Uint8Array;
}

const EMPTY = new Uint8Array(0);

/**
 * Decode-side check of client bytes that a gate already validated against its own (configurable, and
 * tighter) limits: this one is the dialect plus the configurable maxima, so a game never trusts a
 * peer's checking for its own memory safety.
 */
// The game checks the whole body, the gate each argument: [method, args] adds two levels above each
// argument, and 2 + up to 32 (LIMITS.maxArgs) elements the gate does not count.
export const UNTRUSTED_DECODE_LIMITS: ScanLimits = { maxDepth: 64 + 2, maxElements: 1_000_000 + 2 + 32 };

type Loose = Record<string, unknown>;

function requireStructured(spec: MessageSpec): readonly FieldDef[] {
  if (spec.fields === null) {
    throw new TsworldError('INVALID_ARGUMENT', `${spec.name} has a raw body; use its raw codec`);
  }
  return spec.fields;
}

function requireId(spec: MessageSpec, field: string, value: unknown): string {
  if (!isId(value)) throw new TsworldError('INVALID_ARGUMENT', `${spec.name}.${field}: not a 16-char id`);
  return value;
}

function requireU16(spec: MessageSpec, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new TsworldError('INVALID_ARGUMENT', `${spec.name}.${field}: not a u16`);
  }
  return value;
}

function writeKey(spec: MessageSpec, value: Loose, out: Uint8Array): number {
  switch (spec.key) {
    case 'none':
      return 0;
    case 'entity':
      writeId(out, 0, requireId(spec, 'entityId', value.entityId));
      return KEY_SIZE.entity;
    case 'entityGateClient':
      writeId(out, 0, requireId(spec, 'entityId', value.entityId));
      writeU16(out, 16, requireU16(spec, 'gateId', value.gateId));
      writeId(out, 18, requireId(spec, 'clientId', value.clientId));
      return KEY_SIZE.entityGateClient;
    case 'game':
      writeU16(out, 0, requireU16(spec, 'gameId', value.gameId));
      return KEY_SIZE.game;
    case 'gateClient':
      writeU16(out, 0, requireU16(spec, 'gateId', value.gateId));
      writeId(out, 2, requireId(spec, 'clientId', value.clientId));
      return KEY_SIZE.gateClient;
    case 'gate':
      writeU16(out, 0, requireU16(spec, 'gateId', value.gateId));
      return KEY_SIZE.gate;
  }
}

function packFields(packr: Packr, fields: readonly FieldDef[], value: Loose): Uint8Array {
  if (fields.length === 0) return EMPTY;
  const tuple = new Array<unknown>(fields.length);
  for (let i = 0; i < fields.length; i++) tuple[i] = value[fields[i][0]];
  return packr.pack(tuple);
}

function readKey(spec: MessageSpec, body: Uint8Array, out: Loose): ProtocolError | null {
  const size = spec.keySize;
  if (body.length < size) return new ProtocolError('bad-body', `${spec.name}: body shorter than its key`);
  switch (spec.key) {
    case 'none':
      return null;
    case 'entity':
      if (!isIdBytes(body, 0)) return new ProtocolError('bad-body', `${spec.name}: malformed entity id`);
      out.entityId = readId(body, 0);
      return null;
    case 'entityGateClient':
      if (!isIdBytes(body, 0) || !isIdBytes(body, 18)) {
        return new ProtocolError('bad-body', `${spec.name}: malformed id in key`);
      }
      out.entityId = readId(body, 0);
      out.gateId = readU16(body, 16);
      out.clientId = readId(body, 18);
      return null;
    case 'game':
      out.gameId = readU16(body, 0);
      return null;
    case 'gateClient':
      if (!isIdBytes(body, 2)) return new ProtocolError('bad-body', `${spec.name}: malformed client id`);
      out.gateId = readU16(body, 0);
      out.clientId = readId(body, 2);
      return null;
    case 'gate':
      out.gateId = readU16(body, 0);
      return null;
  }
}

function readFields(packr: Packr, spec: MessageSpec, bytes: Uint8Array, out: Loose): ProtocolError | null {
  if (spec.fields === null) return new ProtocolError('bad-body', `${spec.name} has a raw body`);
  const fields = spec.fields;
  if (fields.length === 0) {
    return bytes.length === 0 ? null : new ProtocolError('bad-body', `${spec.name}: unexpected payload`);
  }
  if (spec.untrusted) {
    const fault = scanMsgpack(bytes, UNTRUSTED_DECODE_LIMITS);
    if (fault !== null) return new ProtocolError('bad-body', `${spec.name}: ${SCAN_FAULT_TEXT[fault]}`);
  }
  let tuple: unknown;
  try {
    tuple = packr.unpack(bytes);
  } catch (cause) {
    return new ProtocolError('bad-body', `${spec.name}: malformed msgpack`, { cause });
  }
  if (!Array.isArray(tuple) || tuple.length !== fields.length) {
    return new ProtocolError('bad-body', `${spec.name}: expected ${fields.length} fields`);
  }
  for (let i = 0; i < fields.length; i++) {
    const [name, kind] = fields[i];
    const reason = checkField(kind, tuple[i]);
    if (reason !== null) return new ProtocolError('bad-body', `${spec.name}.${name}: ${reason}`);
    out[name] = tuple[i];
  }
  return null;
}

function withType(type: number, head: Uint8Array, headLength: number, tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + headLength + tail.length);
  writeU16(out, 0, type);
  out.set(head.subarray(0, headLength), 2);
  out.set(tail, 2 + headLength);
  return out;
}

export function createWireCodec(options: { packr: Packr }): WireCodec {
  const { packr } = options;
  // Key scratch: copied by the sink before encodeTo returns, so one buffer serves every call.
  const keyScratch = new Uint8Array(KEY_SIZE.entityGateClient);

  return {
    packr,
    encode(spec, value) {
      const fields = requireStructured(spec);
      const keyLength = writeKey(spec, value as Loose, keyScratch);
      const tail = packFields(packr, fields, value as Loose);
      const out = new Uint8Array(keyLength + tail.length);
      out.set(keyScratch.subarray(0, keyLength), 0);
      out.set(tail, keyLength);
      return out;
    },
    encodeTo(sink, spec, value) {
      const fields = requireStructured(spec);
      const keyLength = writeKey(spec, value as Loose, keyScratch);
      sink.sendParts(spec.id, keyScratch.subarray(0, keyLength), packFields(packr, fields, value as Loose));
    },
    decode<S extends MessageSpec>(spec: S, body: Uint8Array) {
      const out: Loose = {};
      const keyError = readKey(spec, body, out);
      if (keyError !== null) return keyError;
      const error = readFields(packr, spec, body.subarray(spec.keySize), out);
      return error ?? (out as MessageValue<S>);
    },
    decodeFields<S extends MessageSpec>(spec: S, fieldsBytes: Uint8Array) {
      const out: Loose = {};
      const error = readFields(packr, spec, fieldsBytes, out);
      return error ?? (out as MessageFields<S>);
    },
    encodeClientMessage(spec, value) {
      if (spec.route !== 'fromClient') {
        throw new TsworldError('INVALID_ARGUMENT', `${spec.name} is not a client→gate message`);
      }
      const fields = requireStructured(spec);
      const keyLength = writeKey(spec, value as Loose, keyScratch);
      return withType(spec.id, keyScratch, keyLength, packFields(packr, fields, value as Loose));
    },
    encodeToClientMessage(spec, value) {
      if (spec.route !== 'toClient') {
        throw new TsworldError('INVALID_ARGUMENT', `${spec.name} is not a to-client message`);
      }
      return withType(spec.id, EMPTY, 0, packFields(packr, requireStructured(spec), value as Loose));
    },
  };
}

/** A client WebSocket message split into type and body (views into the message, no copy). */
export interface ClientMessage {
  readonly type: number;
  readonly spec: MessageSpec;
  readonly body: Uint8Array;
}

/**
 * Gate side, first check on every client message: long enough, known type, client→gate range. Shape
 * checks of the body come next, from `WireCodec.decode` or the raw decoders. Never throws.
 */
export function parseClientMessage(message: Uint8Array): ClientMessage | ProtocolError {
  if (message.length < 2) return new ProtocolError('frame-malformed', 'message shorter than its type');
  const type = readU16(message, 0);
  const spec = messageSpec(type);
  if (spec === undefined) return new ProtocolError('unknown-type', `unknown message type ${type}`);
  if (spec.route !== 'fromClient') {
    return new ProtocolError('wrong-direction', `${spec.name} may not be sent by a client`);
  }
  return { type, spec, body: message.subarray(2) };
}

/**
 * Client side: splits a WebSocket message from the gate into type and key-less body. Never throws.
 */
export function parseServerMessage(message: Uint8Array): ClientMessage | ProtocolError {
  if (message.length < 2) return new ProtocolError('frame-malformed', 'message shorter than its type');
  const type = readU16(message, 0);
  const spec = messageSpec(type);
  if (spec === undefined) return new ProtocolError('unknown-type', `unknown message type ${type}`);
  if (spec.route !== 'toClient') return new ProtocolError('wrong-direction', `${spec.name} is not for clients`);
  return { type, spec, body: message.subarray(2) };
}

/**
 * Gate side: turns the body of an internal to-client frame (gateId · clientId · client body) into the
 * WebSocket message (u16 type · client body) IN PLACE, by writing the type over the last two key bytes,
 * and returns the view. The body must be a buffer the gate owns; its client id is destroyed, so read it
 * first (readGateClientKey).
 */
export function toClientMessageInPlace(type: number, body: Uint8Array): Uint8Array {
  const start = KEY_SIZE.gateClient - 2;
  writeU16(body, start, type);
  return body.subarray(start);
}
