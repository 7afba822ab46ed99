import { describe, expect, it } from 'vitest';
import { createEntityIdGenerator, isEntityId } from '../../../src/core/entity-id.ts';

describe('entity ids', () => {
  it('are 16 url-safe base64 characters', () => {
    const gen = createEntityIdGenerator();
    for (let i = 0; i < 1000; i++) {
      const id = gen.next();
      expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(isEntityId(id)).toBe(true);
    }
    expect(isEntityId('short')).toBe(false);
    expect(isEntityId('abcdefghijklmno+')).toBe(false);
    expect(isEntityId(42)).toBe(false);
  });

  it('encode time, fingerprint and counter in GoWorld order', () => {
    const gen = createEntityIdGenerator({
      now: () => 0x01020304 * 1000,
      fingerprint: Uint8Array.from([0xa, 0xb, 0xc, 0xd, 0xe]),
      counterStart: 0xfffffe,
    });
    const raw = [gen.next(), gen.next(), gen.next()].map((id) => [...Buffer.from(id, 'base64url')]);
    expect(raw[0]).toEqual([1, 2, 3, 4, 0xa, 0xb, 0xc, 0xd, 0xe, 0xff, 0xff, 0xfe]);
    expect(raw[1].slice(9)).toEqual([0xff, 0xff, 0xff]);
    expect(raw[2].slice(9)).toEqual([0, 0, 0]);
  });

  it('never repeat within a generator and differ across generators in the same second', () => {
    const now = () => 1_700_000_000_000;
    const a = createEntityIdGenerator({ now, counterStart: 0 });
    const b = createEntityIdGenerator({ now, counterStart: 0 });
    expect(a.fingerprint).not.toBe(b.fingerprint);
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) {
      seen.add(a.next());
      seen.add(b.next());
    }
    expect(seen.size).toBe(100_000);
  });

  it('keep the counter in the generator, not in the module', () => {
    const opts = { now: () => 0, fingerprint: new Uint8Array(5), counterStart: 5 };
    const a = createEntityIdGenerator(opts);
    a.next();
    a.next();
    expect(createEntityIdGenerator(opts).next()).toBe(createEntityIdGenerator(opts).next());
  });
});
