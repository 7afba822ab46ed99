import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { checkClientCall } from '../../../src/protocol/client-call.ts';
import { createPackr } from '../../../src/protocol/packr.ts';

const ENTITY = 'AbCdEfGhIjKlMn01';
const LIMITS = { maxDepth: 4, maxElements: 100 };
const packr = createPackr();
const body = (fields: Uint8Array, entity = ENTITY) => Uint8Array.from([...new TextEncoder().encode(entity), ...fields]);
const call = (value: unknown, entity = ENTITY) => checkClientCall(body(packr.pack(value), entity), LIMITS);

describe('client call check at the gate', () => {
  it('forwards a well-formed call as the very bytes the client sent', () => {
    const fields = packr.pack(['login', ['alice', 'secret', { remember: true }]]);
    const result = checkClientCall(body(fields), LIMITS);
    expect(result).toMatchObject({ kind: 'forward', entityId: ENTITY, method: 'login' });
    if (result.kind === 'forward') expect(Buffer.from(result.fields).equals(Buffer.from(fields))).toBe(true);
  });

  it('closes on what is not a call: bad id, wrong shape, bad method, too many args, broken msgpack', () => {
    const closes: [string, ReturnType<typeof checkClientCall>][] = [
      ['id', call(['m', []], 'short id \u0001\u0002\u0003xx')],
      ['shape', call(['m'])],
      ['not array', call({ method: 'm' })],
      ['method type', call([5, []])],
      ['empty method', call(['', []])],
      ['long method', call(['m'.repeat(65), []])],
      ['args type', call(['m', 'x'])],
      ['too many args', call(['m', new Array(33).fill(0)])],
      ['truncated', checkClientCall(body(packr.pack(['m', [1, 2, 3]]).subarray(0, 6)), LIMITS)],
      ['trailing', checkClientCall(body(Uint8Array.from([...packr.pack(['m', []]), 0])), LIMITS)],
    ];
    for (const [what, result] of closes) {
      expect(result.kind, what).toBe('close');
      if (result.kind === 'close') expect(result.error.fault, what).toBe('bad-body');
    }
  });

  it('answers arguments outside the dialect or the limits with a refusal, keeping the method for the ERROR', () => {
    const deep = [[[[[1]]]]];
    const cases: [unknown, string][] = [
      [['m', [deep]], 'depth'],
      [['m', [new Array(101).fill(0)]], 'elements'],
    ];
    for (const [value, fault] of cases) expect(call(value)).toMatchObject({ kind: 'refuse', method: 'm', fault });
    // ['m', [2^64 − 1]] as uint64 (msgpackr itself writes large numbers as float64, which is fine).
    const u64 = Uint8Array.from([0x92, 0xa1, 0x6d, 0x91, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(checkClientCall(body(u64), LIMITS)).toMatchObject({ kind: 'refuse', fault: 'int-range' });
    const bomb = (() => {
      let node: unknown[] = ['x'];
      for (let i = 0; i < 30; i++) node = [node, node];
      return new Packr({ structuredClone: true }).pack(['m', [node]]);
    })();
    expect(checkClientCall(body(bomb), LIMITS)).toMatchObject({ kind: 'refuse', fault: 'extension' });
    const intKeys = Uint8Array.from([0x92, 0xa1, 0x6d, 0x91, 0x81, 0x01, 0x02]); // ['m', [{1: 2}]]
    expect(checkClientCall(body(intKeys), LIMITS)).toMatchObject({ kind: 'refuse', fault: 'map-key' });
  });
});
