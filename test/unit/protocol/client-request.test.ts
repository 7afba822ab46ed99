import { describe, expect, it } from 'vitest';
import { checkClientRequest } from '../../../src/protocol/client-call.ts';
import { createPackr } from '../../../src/protocol/packr.ts';
import { createWireCodec, MSG } from '../../../src/protocol/index.ts';

const ENTITY = 'AbCdEfGhIjKlMn01';
const LIMITS = { maxDepth: 4, maxElements: 100 };
const packr = createPackr();
const body = (fields: Uint8Array, entity = ENTITY) => Uint8Array.from([...new TextEncoder().encode(entity), ...fields]);
const request = (value: unknown, entity = ENTITY) => checkClientRequest(body(packr.pack(value), entity), LIMITS);

/** REQUEST_ENTITY_METHOD_FROM_CLIENT at the gate: the same checks as a call, plus its request id. */
describe('client request check at the gate', () => {
  it('forwards a well-formed request as the very bytes the client sent, with its id, for each u32 encoding', () => {
    for (const id of [0, 1, 127, 128, 255, 256, 65535, 65536, 0xffffffff]) {
      const fields = packr.pack([id, 'add', [1, { n: 2 }]]);
      const result = checkClientRequest(body(fields), LIMITS);
      expect(result, `id ${id}`).toMatchObject({ kind: 'forward', entityId: ENTITY, method: 'add', requestId: id });
      if (result.kind === 'forward') expect(Buffer.from(result.fields).equals(Buffer.from(fields))).toBe(true);
    }
  });

  it('what the SDK encodes passes, and the game decodes the forwarded bytes to the same request', () => {
    const codec = createWireCodec({ packr });
    const message = codec.encodeClientMessage(MSG.REQUEST_ENTITY_METHOD_FROM_CLIENT, { entityId: ENTITY, requestId: 9, method: 'add', args: [2, 40] });
    const result = checkClientRequest(message.subarray(2), LIMITS);
    expect(result).toMatchObject({ kind: 'forward', requestId: 9, method: 'add' });
    if (result.kind !== 'forward') return;
    const key = new Uint8Array(16 + 2 + 16);
    key.set(new TextEncoder().encode(ENTITY), 0);
    key.set([1, 0], 16);
    key.set(new TextEncoder().encode('ClientIdClientId'), 18);
    const forwarded = codec.decode(MSG.REQUEST_FROM_CLIENT, Uint8Array.from([...key, ...result.fields]));
    expect(forwarded).toEqual({ entityId: ENTITY, gateId: 1, clientId: 'ClientIdClientId', requestId: 9, method: 'add', args: [2, 40] });
  });

  it('closes on what is not a request: a call shape, an id that is not a u32, a bad method, broken msgpack', () => {
    const closes = [
      request(['add', [1]]),
      request([-1, 'add', [1]]),
      request([2 ** 32, 'add', [1]]),
      request([1.5, 'add', [1]]),
      request(['1', 'add', [1]]),
      request([1, 5, [1]]),
      request([1, 'add', 'x']),
      request([1, 'add', [1], 'extra']),
      request([1, 'add', [1]], 'short'),
      checkClientRequest(body(packr.pack([1, 'add', [1, 2, 3]]).subarray(0, 8)), LIMITS),
    ];
    for (const c of closes) {
      expect(c.kind).toBe('close');
      if (c.kind === 'close') expect(c.error.message).toMatch(/^REQUEST_ENTITY_METHOD_FROM_CLIENT: /);
    }
  });

  it('refuses (answerable, with its id) arguments over a limit', () => {
    const deep = [[[[[[1]]]]]];
    expect(request([4, 'add', [deep]])).toMatchObject({ kind: 'refuse', requestId: 4, method: 'add', fault: 'depth' });
    expect(request([5, 'add', [new Array(200).fill(0)]])).toMatchObject({ kind: 'refuse', requestId: 5, fault: 'elements' });
  });
});
