import { describe, expect, it } from 'vitest';
import { MSG, createPackr, createWireCodec } from '../../../../src/protocol/index.ts';
import { parseHello } from '../../../../src/roles/dispatcher/hello.ts';
import { checkPeerFrame } from '../../../../src/roles/dispatcher/peer-rules.ts';

const codec = createWireCodec({ packr: createPackr() });
const ENTITY = 'Monster000000001';
const call = codec.encode(MSG.CALL_ENTITY_METHOD, { entityId: ENTITY, method: 'hit', args: [1] });
const created = codec.encode(MSG.NOTIFY_CREATE_ENTITY, { entityId: ENTITY, typeName: 'Monster' });
const disconnected = codec.encode(MSG.NOTIFY_CLIENT_DISCONNECTED, { entityId: ENTITY, clientId: 'Client0000000001', reason: 'connection-lost' });
const violation = (v: unknown): string => (typeof v === 'string' ? v : `allowed ${(v as { name: string }).name}`);

describe('which frames each peer kind may send a dispatcher', () => {
  it('lets a game send entity calls and directory updates, and a gate only client traffic', () => {
    expect(checkPeerFrame('game', MSG.CALL_ENTITY_METHOD.id, call)).toBe(MSG.CALL_ENTITY_METHOD);
    expect(checkPeerFrame('game', MSG.NOTIFY_CREATE_ENTITY.id, created)).toBe(MSG.NOTIFY_CREATE_ENTITY);
    // A game forwards a disconnect behind a client hand-off; a gate sends it first.
    expect(checkPeerFrame('game', MSG.NOTIFY_CLIENT_DISCONNECTED.id, disconnected)).toBe(MSG.NOTIFY_CLIENT_DISCONNECTED);
    expect(checkPeerFrame('gate', MSG.NOTIFY_CLIENT_DISCONNECTED.id, disconnected)).toBe(MSG.NOTIFY_CLIENT_DISCONNECTED);
    // A game whose freeze was abandoned says hello again (the dispatcher checks it is a restore of itself).
    expect(checkPeerFrame('game', MSG.SET_GAME_ID.id, new Uint8Array(8))).toBe(MSG.SET_GAME_ID);
  });

  it('names what is wrong with everything else', () => {
    expect(violation(checkPeerFrame('gate', MSG.CALL_ENTITY_METHOD.id, call))).toBe('CALL_ENTITY_METHOD may not come from a gate');
    expect(violation(checkPeerFrame('gate', MSG.NOTIFY_CREATE_ENTITY.id, created))).toBe('NOTIFY_CREATE_ENTITY may not come from a gate');
    expect(violation(checkPeerFrame('game', MSG.CALL_FROM_CLIENT.id, call))).toBe('CALL_FROM_CLIENT may not come from a game');
    expect(violation(checkPeerFrame('game', 999, call))).toBe('unknown message type 999');
    expect(violation(checkPeerFrame('gate', 65535, call))).toBe('unknown message type 65535');
    expect(violation(checkPeerFrame('game', MSG.HANDSHAKE_ACK.id, call))).toBe('HANDSHAKE_ACK is never sent to a dispatcher');
    expect(violation(checkPeerFrame('gate', MSG.HEARTBEAT.id, new Uint8Array(0)))).toBe('HEARTBEAT is never sent to a dispatcher');
    expect(violation(checkPeerFrame('gate', MSG.SET_GAME_ID.id, new Uint8Array(8)))).toBe('SET_GAME_ID after the handshake');
    expect(violation(checkPeerFrame('gate', MSG.SET_GATE_ID.id, new Uint8Array(8)))).toBe('SET_GATE_ID after the handshake');
    expect(violation(checkPeerFrame('game', MSG.SET_GATE_ID.id, new Uint8Array(8)))).toBe('SET_GATE_ID after the handshake');
    expect(violation(checkPeerFrame('game', MSG.CALL_ENTITY_METHOD.id, call.subarray(0, 15)))).toBe(
      'CALL_ENTITY_METHOD body of 15 bytes is shorter than its key',
    );
  });
});

describe('the first frame of a link', () => {
  it('is a well-formed SET_GAME_ID or SET_GATE_ID', () => {
    const game = codec.encode(MSG.SET_GAME_ID, { gameId: 3, isRestore: false, entityIds: [ENTITY] });
    expect(parseHello(codec, MSG.SET_GAME_ID.id, game)).toEqual({
      kind: 'game',
      hello: { gameId: 3, isRestore: false, entityIds: [ENTITY] },
    });
    expect(parseHello(codec, MSG.SET_GATE_ID.id, codec.encode(MSG.SET_GATE_ID, { gateId: 2 }))).toEqual({ kind: 'gate', hello: { gateId: 2 } });
  });

  it('or a reason to close the link', () => {
    expect(parseHello(codec, MSG.CALL_ENTITY_METHOD.id, call)).toBe('expected SET_GAME_ID or SET_GATE_ID first, got type 10');
    expect(parseHello(codec, MSG.SET_GAME_ID.id, Uint8Array.from([0xc1, 0xff]))).toMatch(/^malformed SET_GAME_ID: /);
    expect(parseHello(codec, MSG.SET_GATE_ID.id, new Uint8Array(0))).toMatch(/^malformed SET_GATE_ID: /);
  });
});
