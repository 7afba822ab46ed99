import { rmSync } from 'node:fs';
import { expect, it } from 'vitest';
import { TsworldError } from '../../../src/core/errors.ts';
import type { EntityStorage, StoredData } from '../../../src/storage/index.ts';
import { openFilesUnder, type Backend, type TempDirs } from './backends.ts';

async function rejection(promise: Promise<unknown>): Promise<TsworldError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TsworldError);
  return err as TsworldError;
}

/** One of every leaf kind, nested in maps and lists, as GoWorld's MapAttr/ListAttr would hold them. */
function sampleData(): StoredData {
  return {
    name: 'Alice 🐉',
    empty: '',
    level: 42,
    negative: -7,
    big: Number.MAX_SAFE_INTEGER,
    ratio: 0.125,
    tiny: 1e-300,
    online: true,
    banned: false,
    guild: null,
    avatar: new Uint8Array([0, 1, 2, 254, 255]),
    inventory: [
      { item: 'sword', count: 1, tags: ['sharp', 'rare'] },
      { item: 'potion', count: 12, tags: [] },
    ],
    stats: { hp: 100, mp: 33.5, buffs: { haste: { until: 1_700_000_000_000 } } },
    matrix: [[1, 2], [3, [4, [5]]]],
    nothing: {},
    '键': '值',
  };
}


/** The EntityStorage contract every backend meets; call it inside a describe per backend. */
export function entityStorageContract(backend: Backend<EntityStorage>, temp: TempDirs): void {
  const withStorage = async (fn: (storage: EntityStorage) => Promise<void>): Promise<void> => {
    const storage = backend.open(temp.make());
    try {
      await fn(storage);
    } finally {
      await storage.close();
    }
  };

  it('round-trips nested data with every leaf kind', () =>
    withStorage(async (storage) => {
      await storage.save('Avatar', 'E0000000000000001', sampleData());
      const loaded = await storage.load('Avatar', 'E0000000000000001');
      // Binary leaves come back as a Uint8Array (a Buffer under Node): compare those by bytes.
      expect(loaded).toEqual({ ...sampleData(), avatar: expect.any(Uint8Array) });
      const avatar = loaded!['avatar'];
      expect(avatar).toBeInstanceOf(Uint8Array);
      expect([...(avatar as Uint8Array)]).toEqual([0, 1, 2, 254, 255]);
      // A loaded binary must be a copy, not a view into a read buffer that later reads overwrite.
      await storage.save('Avatar', 'other', { avatar: new Uint8Array([9, 9, 9, 9, 9]) });
      for (let i = 0; i < 10; i++) await storage.load('Avatar', 'other');
      expect([...(avatar as Uint8Array)]).toEqual([0, 1, 2, 254, 255]);
    }));

  it('reports missing entities as undefined / false, and saved ones as existing', () =>
    withStorage(async (storage) => {
      expect(await storage.load('Avatar', 'nobody')).toBeUndefined();
      expect(await storage.exists('Avatar', 'nobody')).toBe(false);
      await storage.save('Avatar', 'someone', { hp: 1 });
      expect(await storage.exists('Avatar', 'someone')).toBe(true);
      expect(await storage.exists('Monster', 'someone')).toBe(false);
      expect(await storage.load('Monster', 'someone')).toBeUndefined();
    }));

  it('a save replaces the previous one entirely', () =>
    withStorage(async (storage) => {
      await storage.save('Avatar', 'a', { hp: 1, gone: 'yes', nested: { x: 1, y: 2 } });
      await storage.save('Avatar', 'a', { hp: 2, nested: { x: 3 } });
      expect(await storage.load('Avatar', 'a')).toEqual({ hp: 2, nested: { x: 3 } });
    }));

  it('saves and loads copies: mutating either side later changes nothing stored', () =>
    withStorage(async (storage) => {
      const data = { list: [1, 2], map: { k: 'v' } };
      await storage.save('Avatar', 'a', data);
      data.list.push(3);
      data.map.k = 'changed';
      const first = (await storage.load('Avatar', 'a')) as { list: number[]; map: { k: string } };
      first.list.push(99);
      expect(await storage.load('Avatar', 'a')).toEqual({ list: [1, 2], map: { k: 'v' } });
    }));

  it('lists the ids of one type only, including types that share a name prefix', () =>
    withStorage(async (storage) => {
      const ids = ['b', 'a', 'ü-unicode', 'with:colon', 'z'];
      for (const id of ids) await storage.save('Avatar', id, { id });
      await storage.save('AvatarX', 'other', {});
      await storage.save('Avata', 'short', {});
      expect((await storage.list('Avatar')).sort()).toEqual([...ids].sort());
      expect(await storage.list('AvatarX')).toEqual(['other']);
      expect(await storage.list('Monster')).toEqual([]);
    }));

  it('lists a type with more ids than fit in one scan chunk, while other saves go on', () =>
    withStorage(async (storage) => {
      const count = 10_000;
      await Promise.all(Array.from({ length: count }, (_, i) => storage.save('Npc', `n${i}`, { i })));
      const listing = storage.list('Npc');
      const concurrent = storage.save('Other', 'x', { during: true });
      const ids = await listing;
      await concurrent;
      expect(ids).toHaveLength(count);
      expect(new Set(ids).size).toBe(count);
      expect(ids).toContain('n9999');
    }));

  it('handles unicode entity ids', () =>
    withStorage(async (storage) => {
      for (const id of ['玩家一', '🐉dragon', 'e\u0301', '\u00e9']) await storage.save('Avatar', id, { id });
      for (const id of ['玩家一', '🐉dragon', 'e\u0301', '\u00e9']) {
        expect(await storage.load('Avatar', id)).toEqual({ id });
      }
    }));

  it('concurrent saves of many entities all land', () =>
    withStorage(async (storage) => {
      await Promise.all(Array.from({ length: 300 }, (_, i) => storage.save('Monster', `m${i}`, { i })));
      expect(await storage.list('Monster')).toHaveLength(300);
      expect(await storage.load('Monster', 'm299')).toEqual({ i: 299 });
    }));

  it('refuses values that would not round-trip, naming the path', () =>
    withStorage(async (storage) => {
      const cyclic: Record<string, unknown> = {};
      cyclic['self'] = cyclic;
      const cases: [unknown, RegExp][] = [
        [{ a: { b: undefined } }, /data\.a\.b/],
        [{ when: new Date(0) }, /data\.when: cannot store Date/],
        [{ m: new Map() }, /data\.m: cannot store Map/],
        [{ list: [1, () => 2] }, /data\.list\[1\]/],
        [{ n: 10n }, /data\.n: cannot store bigint/],
        // eslint-disable-next-line no-sparse-arrays
        [{ holes: [1, , 3] }, /data\.holes\[1\]: arrays must not have holes/],
        [cyclic, /nested deeper/],
        [[1, 2], /must be a plain object/],
      ];
      for (const [data, message] of cases) {
        const err = await rejection(storage.save('Avatar', 'bad', data as StoredData));
        expect(err.code).toBe('INVALID_ARGUMENT');
        expect(err.message).toMatch(message);
      }
      expect(await storage.exists('Avatar', 'bad')).toBe(false);
    }));

  it('refuses bad type names and ids', () =>
    withStorage(async (storage) => {
      for (const typeName of ['', 'Has:Colon', '1Digit', 'space d']) {
        expect((await rejection(storage.save(typeName, 'id', {}))).code).toBe('INVALID_ARGUMENT');
        expect((await rejection(storage.list(typeName))).code).toBe('INVALID_ARGUMENT');
      }
      expect((await rejection(storage.load('Avatar', ''))).code).toBe('INVALID_ARGUMENT');
      expect((await rejection(storage.exists('Avatar', ''))).code).toBe('INVALID_ARGUMENT');
    }));

  it('rejects calls after close with INVALID_STATE, after finishing saves already started', async () => {
    const location = temp.make();
    const storage = backend.open(location);
    const saves = Array.from({ length: 20 }, (_, i) => storage.save('Avatar', `a${i}`, { i }));
    await storage.close();
    await expect(Promise.all(saves)).resolves.toHaveLength(20);
    expect((await rejection(storage.load('Avatar', 'a1'))).code).toBe('INVALID_STATE');
    expect((await rejection(storage.save('Avatar', 'a1', {}))).code).toBe('INVALID_STATE');
    expect((await rejection(storage.list('Avatar'))).code).toBe('INVALID_STATE');
    if (!backend.capabilities.durable) return;
    const reopened = backend.open(location);
    expect(await reopened.list('Avatar')).toHaveLength(20);
    await reopened.close();
  });

  it('declares the capabilities the contract runs under', () =>
    withStorage(async (storage) => {
      expect(storage.capabilities).toEqual(backend.capabilities);
    }));

  it.runIf(backend.capabilities.durable)('durable: data survives close and reopen', async () => {
    const location = temp.make();
    const first = backend.open(location);
    await first.save('Avatar', 'E1', sampleData());
    await first.close();
    const second = backend.open(location);
    expect(await second.load('Avatar', 'E1')).toEqual({ ...sampleData(), avatar: expect.any(Uint8Array) });
    expect(await second.list('Avatar')).toEqual(['E1']);
    await second.close();
  });

  it.runIf(backend.files)('files: close releases the files', async () => {
    const location = temp.make();
    const storage = backend.open(location);
    await storage.save('Avatar', 'E1', { hp: 1 });
    await storage.close();
    const held = openFilesUnder(location);
    if (held !== undefined) expect(held).toEqual([]);
    rmSync(location, { recursive: true });
    const fresh = backend.open(location);
    expect(await fresh.exists('Avatar', 'E1')).toBe(false);
    await fresh.close();
  });

  it.runIf(backend.capabilities.sharedLocation)('shared: two instances on one location see each other', async () => {
    const location = temp.make();
    const a = backend.open(location);
    const b = backend.open(location);
    await a.save('Avatar', 'from-a', { by: 'a' });
    await b.save('Avatar', 'from-b', { by: 'b' });
    expect(await b.load('Avatar', 'from-a')).toEqual({ by: 'a' });
    expect((await a.list('Avatar')).sort()).toEqual(['from-a', 'from-b']);
    await a.close();
    expect(await b.load('Avatar', 'from-b')).toEqual({ by: 'b' });
    await b.close();
  });

  it('claim hands out increasing generations per entity, and makes nothing exist', () =>
    withStorage(async (storage) => {
      expect(await storage.claim('Avatar', 'a')).toBe(1);
      expect(await storage.claim('Avatar', 'a')).toBe(2);
      expect(await storage.claim('Avatar', 'b')).toBe(1);
      expect(await storage.claim('Monster', 'a')).toBe(1);
      expect(await storage.exists('Avatar', 'a')).toBe(false);
      expect(await storage.load('Avatar', 'a')).toBeUndefined();
      expect(await storage.list('Avatar')).toEqual([]);
      const concurrent = await Promise.all(Array.from({ length: 50 }, () => storage.claim('Avatar', 'c')));
      expect([...concurrent].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    }));

  it('fencing: a save with an older generation than the last claim is refused and changes nothing', () =>
    withStorage(async (storage) => {
      const old = await storage.claim('Avatar', 'a');
      await storage.save('Avatar', 'a', { hp: 1 }, { generation: old });
      const current = await storage.claim('Avatar', 'a');
      expect(current).toBeGreaterThan(old);
      await storage.save('Avatar', 'a', { hp: 2 }, { generation: current });
      const err = await rejection(storage.save('Avatar', 'a', { hp: 666 }, { generation: old }));
      expect(err.code).toBe('STALE_GENERATION');
      expect(err.message).toMatch(new RegExp(`generation ${old}.*generation ${current}`));
      expect(await storage.load('Avatar', 'a')).toEqual({ hp: 2 });
      // The holder of the current generation keeps saving, and so does an unfenced writer (tools).
      await storage.save('Avatar', 'a', { hp: 3 }, { generation: current });
      expect(await storage.load('Avatar', 'a')).toEqual({ hp: 3 });
      await storage.save('Avatar', 'a', { hp: 4 });
      expect(await storage.load('Avatar', 'a')).toEqual({ hp: 4 });
      for (const generation of [0, -1, 1.5, Number.NaN]) {
        expect((await rejection(storage.save('Avatar', 'a', {}, { generation }))).code).toBe('INVALID_ARGUMENT');
      }
    }));

  it('fencing: saves racing a claim either land before it or are refused after it', () =>
    withStorage(async (storage) => {
      const old = await storage.claim('Avatar', 'r');
      const saves = Array.from({ length: 40 }, (_, i) =>
        storage.save('Avatar', 'r', { i }, { generation: old }).then(
          () => 'landed',
          (e: unknown) => (e as TsworldError).code,
        ),
      );
      const current = await storage.claim('Avatar', 'r');
      const outcomes = await Promise.all(saves);
      for (const o of outcomes) expect(['landed', 'STALE_GENERATION']).toContain(o);
      await storage.save('Avatar', 'r', { final: true }, { generation: current });
      expect((await rejection(storage.save('Avatar', 'r', { late: true }, { generation: old }))).code).toBe('STALE_GENERATION');
      expect(await storage.load('Avatar', 'r')).toEqual({ final: true });
    }));

  it.runIf(backend.capabilities.durable)('durable: claimed generations survive close and reopen', async () => {
    const location = temp.make();
    const first = backend.open(location);
    const generation = await first.claim('Avatar', 'E1');
    await first.save('Avatar', 'E1', { hp: 1 }, { generation });
    await first.close();
    const second = backend.open(location);
    expect(await second.claim('Avatar', 'E1')).toBe(generation + 1);
    expect((await rejection(second.save('Avatar', 'E1', { hp: 0 }, { generation }))).code).toBe('STALE_GENERATION');
    await second.close();
  });

  it.runIf(backend.capabilities.sharedLocation)('shared: a newer claim by another instance fences the first', async () => {
    const location = temp.make();
    const stale = backend.open(location);
    const fresh = backend.open(location);
    const mine = await stale.claim('Avatar', 'E1');
    await stale.save('Avatar', 'E1', { by: 'stale' }, { generation: mine });
    const theirs = await fresh.claim('Avatar', 'E1');
    expect(await fresh.load('Avatar', 'E1')).toEqual({ by: 'stale' });
    await fresh.save('Avatar', 'E1', { by: 'fresh' }, { generation: theirs });
    expect((await rejection(stale.save('Avatar', 'E1', { by: 'stale again' }, { generation: mine }))).code).toBe('STALE_GENERATION');
    expect(await stale.load('Avatar', 'E1')).toEqual({ by: 'fresh' });
    await stale.close();
    await fresh.close();
  });
}
