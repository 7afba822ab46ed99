import { describe, expect, it } from 'vitest';
import { Packr } from 'msgpackr';
import {
  createWireCodec,
  parseClientMessage,
  parseServerMessage,
  toClientMessageInPlace,
} from '../../../src/protocol/codec.ts';
import { checkClientCall } from '../../../src/protocol/client-call.ts';
import { createFrameBatch } from '../../../src/protocol/frame-batch.ts';
import { createFrameParser } from '../../../src/protocol/frame-parser.ts';
import { MSG } from '../../../src/protocol/messages.ts';
import { createPackr } from '../../../src/protocol/packr.ts';
import {
  entityIdShard,
  entityShard,
  readEntityKey,
  readGameKey,
  readGateClientKey,
  readGateKey,
} from '../../../src/protocol/routing-key.ts';
import { ProtocolError } from '../../../src/protocol/wire-errors.ts';

const ENTITY = 'AbCdEfGhIjKlMn01';
const CLIENT = 'Zyxwvutsrqpon_.9';
const codec = createWireCodec({ packr: createPackr() });

describe('wire codec', () => {
  it('round-trips an entity-keyed call and puts the key at offset 0', () => {
    const value = { entityId: ENTITY, method: 'say', args: [1, 'two', { three: [3] }, null] };
    const body = codec.encode(MSG.CALL_ENTITY_METHOD, value);
    expect(readEntityKey(body)).toBe(ENTITY);
    expect(entityShard(body, 7)).toBe(entityIdShard(ENTITY, 7));
    expect(codec.decode(MSG.CALL_ENTITY_METHOD, body)).toEqual(value);
  });

  it('round-trips every key kind', () => {
    const game = { gameId: 513, entityId: ENTITY, typeName: 'Avatar', attrs: { hp: 10 } };
    const gameBody = codec.encode(MSG.CREATE_ENTITY_ON_GAME, game);
    expect(readGameKey(gameBody)).toBe(513);
    expect(codec.decode(MSG.CREATE_ENTITY_ON_GAME, gameBody)).toEqual(game);

    const toClient = { gateId: 3, clientId: CLIENT, code: 7, message: 'nope' };
    const gateBody = codec.encode(MSG.ERROR, toClient);
    expect(readGateKey(gateBody)).toBe(3);
    expect(readGateClientKey(gateBody)).toBe(CLIENT);
    expect(codec.decode(MSG.ERROR, gateBody)).toEqual(toClient);

    const fromClient = { entityId: ENTITY, gateId: 7, clientId: CLIENT, method: 'move', args: [] };
    expect(codec.decode(MSG.CALL_FROM_CLIENT, codec.encode(MSG.CALL_FROM_CLIENT, fromClient))).toEqual(fromClient);

    expect(codec.decode(MSG.DEPLOYMENT_READY, codec.encode(MSG.DEPLOYMENT_READY, {}))).toEqual({});
    expect(codec.encode(MSG.DEPLOYMENT_READY, {}).length).toBe(0);
  });

  it('encodeTo hands the same bytes to a sink as encode', () => {
    const value = { entityId: ENTITY, method: 'm', args: [42] };
    const batch = createFrameBatch();
    codec.encodeTo(batch, MSG.CALL_ENTITY_METHOD, value);
    const seen: Array<[number, Uint8Array]> = [];
    createFrameParser({ onFrame: (t, b) => seen.push([t, b.slice()]) }).push(batch.takeBytes());
    expect(seen).toEqual([[MSG.CALL_ENTITY_METHOD.id, codec.encode(MSG.CALL_ENTITY_METHOD, value)]]);
  });

  it('refuses to encode a malformed id', () => {
    expect(() => codec.encode(MSG.NOTIFY_DESTROY_ENTITY, { entityId: 'short' })).toThrow(/16-char id/);
    expect(() => codec.encode(MSG.CLEAR_CLIENT_FILTER_PROPS, { gateId: 70000, clientId: CLIENT })).toThrow(/u16/);
  });

  it('forwards a client call to the dispatcher by prefixing gate and client id, without re-encoding', () => {
    const message = codec.encodeClientMessage(MSG.CALL_ENTITY_METHOD_FROM_CLIENT, {
      entityId: ENTITY,
      method: 'chat',
      args: ['hi'],
    });
    const parsed = parseClientMessage(message);
    if (parsed instanceof ProtocolError) throw parsed;
    expect(parsed.spec).toBe(MSG.CALL_ENTITY_METHOD_FROM_CLIENT);
    const clientValue = codec.decode(MSG.CALL_ENTITY_METHOD_FROM_CLIENT, parsed.body);
    expect(clientValue).toEqual({ entityId: ENTITY, method: 'chat', args: ['hi'] });
    // The gate's path: a strict scan, then the same msgpack bytes behind the caller's key.
    const checked = checkClientCall(parsed.body, { maxDepth: 16, maxElements: 4096 });
    if (checked.kind !== 'forward') throw new Error(checked.kind);
    expect(checked.fields).toEqual(parsed.body.subarray(16));
    const head = new Uint8Array(34);
    head.set(parsed.body.subarray(0, 16), 0);
    head.set([9, 0], 16);
    head.set(new TextEncoder().encode(CLIENT), 18);
    const internal = Uint8Array.from([...head, ...checked.fields]);
    expect(codec.decode(MSG.CALL_FROM_CLIENT, internal)).toEqual({
      entityId: ENTITY,
      gateId: 9,
      clientId: CLIENT,
      method: 'chat',
      args: ['hi'],
    });
  });

  it('turns a to-client frame body into the client message in place', () => {
    const value = { gateId: 1, clientId: CLIENT, entityId: ENTITY, method: 'hit', args: [5] };
    const body = codec.encode(MSG.CALL_ENTITY_METHOD_ON_CLIENT, value);
    const message = toClientMessageInPlace(MSG.CALL_ENTITY_METHOD_ON_CLIENT.id, body);
    expect(message).toEqual(
      codec.encodeToClientMessage(MSG.CALL_ENTITY_METHOD_ON_CLIENT, { entityId: ENTITY, method: 'hit', args: [5] }),
    );
    const parsed = parseServerMessage(message);
    if (parsed instanceof ProtocolError) throw parsed;
    expect(codec.decodeFields(MSG.CALL_ENTITY_METHOD_ON_CLIENT, parsed.body)).toEqual({
      entityId: ENTITY,
      method: 'hit',
      args: [5],
    });
  });
});

describe('strict decoding of client messages', () => {
  const spec = MSG.CALL_ENTITY_METHOD_FROM_CLIENT;
  const packr = new Packr({ useRecords: false });
  const key = new TextEncoder().encode(ENTITY);
  const body = (tail: unknown): Uint8Array => Uint8Array.from([...key, ...packr.pack(tail)]);
  const fault = (bytes: Uint8Array) => {
    const result = codec.decode(spec, bytes);
    return result instanceof ProtocolError ? result.fault : 'accepted';
  };

  it.each([
    ['wrong field count', body(['m'])],
    ['extra field', body(['m', [], 1])],
    ['not an array', body({ method: 'm', args: [] })],
    ['method not a string', body([5, []])],
    ['empty method', body(['', []])],
    ['method too long', body(['m'.repeat(65), []])],
    ['args not a list', body(['m', 'x'])],
    ['too many args', body(['m', new Array(33).fill(0)])],
    ['truncated msgpack', body(['m', [1, 2, 3]]).subarray(0, 20)],
    ['trailing bytes', Uint8Array.from([...body(['m', []]), 0xc0])],
    ['short key', key.subarray(0, 10)],
    ['non-ASCII key', Uint8Array.from([...new Uint8Array(16).fill(0xe9), ...packr.pack(['m', []])])],
    ['garbage', Uint8Array.from([...key, 0xc1, 0xff, 0x00])],
  ])('%s → bad-body, no throw', (_name, bytes) => {
    expect(fault(bytes)).toBe('bad-body');
  });

  it('accepts the well-formed body', () => {
    expect(fault(body(['m', [1]]))).toBe('accepted');
  });

  it('never throws on random bytes', () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff;
    for (let n = 0; n < 2000; n++) {
      const bytes = Uint8Array.from({ length: 16 + (n % 40) }, (_, i) => (i < 16 ? 65 : rand()));
      expect(() => codec.decode(spec, bytes)).not.toThrow();
    }
  });

  it('parseClientMessage refuses short, unknown and server-only types', () => {
    const fault = (bytes: number[]) => {
      const r = parseClientMessage(Uint8Array.from(bytes));
      return r instanceof ProtocolError ? r.fault : r.spec.name;
    };
    expect(fault([1])).toBe('frame-malformed');
    expect(fault([0x0f, 0x27])).toBe('unknown-type');
    expect(fault([10, 0])).toBe('wrong-direction');
    expect(fault([0xd2, 0x07])).toBe('HEARTBEAT');
  });
});
