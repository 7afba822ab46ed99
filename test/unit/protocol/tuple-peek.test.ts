import { describe, expect, it } from 'vitest';
import { createWireCodec } from '../../../src/protocol/codec.ts';
import { MSG } from '../../../src/protocol/messages.ts';
import { createPackr } from '../../../src/protocol/packr.ts';
import { peekCreateIsPlayer, peekDestroyOf, skipString, tupleStart, UNKNOWN } from '../../../src/protocol/tuple-peek.ts';
import { ProtocolError } from '../../../src/protocol/wire-errors.ts';
import { mulberry32, randInt } from '../../../src/testing/prng.ts';

const codec = createWireCodec({ packr: createPackr() });
const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.';

function randomId(rand: () => number): string {
  let id = '';
  for (let i = 0; i < 16; i++) id += ID_CHARS[randInt(rand, 0, ID_CHARS.length - 1)];
  return id;
}

/** Names of 1..64 characters (fixstr and str8), some with multi-byte characters. */
function randomName(rand: () => number): string {
  const length = randInt(rand, 1, 64);
  let name = '';
  for (let i = 0; i < length; i++) name += rand() < 0.05 ? 'é' : ID_CHARS[randInt(rand, 0, 51)];
  return name;
}

function createBody(rand: () => number, isPlayer: boolean): Uint8Array {
  return codec.encode(MSG.CREATE_ENTITY_ON_CLIENT, {
    gateId: randInt(rand, 0, 0xffff),
    clientId: randomId(rand),
    entityId: randomId(rand),
    typeName: randomName(rand),
    isPlayer,
    handle: randInt(rand, 0, 0xffff),
    attrs: { hp: randInt(rand, 0, 1000), name: randomName(rand), tags: [1, 'two', { three: 3 }] },
    x: rand() * 1000,
    y: 0,
    z: -rand() * 1000,
    yaw: rand(),
  });
}

function destroyBody(rand: () => number, entityId: string): Uint8Array {
  // Handles across fixint, uint8 and uint16 encodings.
  const handle = [randInt(rand, 0, 127), randInt(rand, 128, 255), randInt(rand, 256, 0xffff)][randInt(rand, 0, 2)];
  return codec.encode(MSG.DESTROY_ENTITY_ON_CLIENT, { gateId: 3, clientId: randomId(rand), entityId, handle });
}

/** One to four byte changes, or a cut at a random length. */
function mutate(rand: () => number, body: Uint8Array): Uint8Array {
  if (rand() < 0.25) return body.slice(0, randInt(rand, 0, body.length - 1));
  const out = body.slice();
  for (let k = randInt(rand, 1, 4); k > 0; k--) out[randInt(rand, 18, out.length - 1)] = randInt(rand, 0, 255);
  return out;
}

describe('tuple peek: the gate reads CREATE/DESTROY_ENTITY_ON_CLIENT leading fields without decoding', () => {
  it('reads isPlayer from every encoded create, names of every length and width included', () => {
    const rand = mulberry32(11);
    for (let i = 0; i < 2000; i++) {
      const isPlayer = rand() < 0.5;
      expect(peekCreateIsPlayer(createBody(rand, isPlayer))).toBe(isPlayer ? 1 : 0);
    }
  });

  it('tells the destroy of a given entity from the destroy of another, for every handle width', () => {
    const rand = mulberry32(12);
    for (let i = 0; i < 2000; i++) {
      const id = randomId(rand);
      expect(peekDestroyOf(destroyBody(rand, id), id)).toBe(1);
      expect(peekDestroyOf(destroyBody(rand, id), randomId(rand))).toBe(0);
    }
  });

  it('never answers where a decode would answer otherwise, on damaged and cut bodies', () => {
    const rand = mulberry32(13);
    const answered = { create: 0, destroy: 0 };
    for (let i = 0; i < 20_000; i++) {
      const create = mutate(rand, createBody(rand, rand() < 0.5));
      const peeked = peekCreateIsPlayer(create);
      const decoded = codec.decode(MSG.CREATE_ENTITY_ON_CLIENT, create);
      // 0 means "not a player's create: nothing to track", which a decode must not contradict.
      if (peeked === 0) {
        answered.create++;
        expect(decoded instanceof ProtocolError || !decoded.isPlayer).toBe(true);
      }
      const id = randomId(rand);
      const destroy = mutate(rand, destroyBody(rand, rand() < 0.5 ? id : randomId(rand)));
      const own = peekDestroyOf(destroy, id);
      const d = codec.decode(MSG.DESTROY_ENTITY_ON_CLIENT, destroy);
      if (own === 1) expect(!(d instanceof ProtocolError) && d.entityId === id).toBe(true);
      if (own === 0) expect(d instanceof ProtocolError || d.entityId !== id).toBe(true);
      if (own !== UNKNOWN) answered.destroy++;
    }
    // Most damage lands past the leading fields, so most peeks still answer.
    expect(answered.create).toBeGreaterThan(5000);
    expect(answered.destroy).toBeGreaterThan(5000);
  });

  it('refuses what it does not understand rather than guess', () => {
    expect(tupleStart(new Uint8Array([]), 0, 2)).toBe(-1);
    expect(tupleStart(new Uint8Array([0x93]), 0, 2)).toBe(-1);
    expect(tupleStart(new Uint8Array([0xdc, 0, 20]), 0, 20)).toBe(3);
    // A str8 claiming more bytes than there are.
    expect(skipString(new Uint8Array([0xd9, 10, 65]), 0)).toBe(-1);
    expect(skipString(new Uint8Array([0xc0]), 0)).toBe(-1);
    expect(peekCreateIsPlayer(new Uint8Array(18))).toBe(UNKNOWN);
    expect(peekDestroyOf(new Uint8Array(18), 'AbCdEfGhIjKlMn01')).toBe(UNKNOWN);
  });
});
