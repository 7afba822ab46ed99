import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TsworldError } from '../../../src/core/errors.ts';
import { createLmdbEntityStorage, createLmdbKvStore } from '../../../src/storage/index.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const temp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'tsworld-guard-'));
  dirs.push(dir);
  return dir;
};
const codeOf = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: unknown) => (e instanceof TsworldError ? `${e.code} ${e.message}` : String(e)));

describe('LMDB disk reserve (storage.minFreeBytes)', () => {
  it('refuses writes with ENOSPC while the disk has less free than the reserve; reads go on', async () => {
    const path = temp();
    const open = createLmdbEntityStorage({ path, minFreeBytes: 0 });
    await open.save('Avatar', 'before', { hp: 1 });
    await open.close();
    // No disk has a pebibyte free: the reserve is never met.
    const storage = createLmdbEntityStorage({ path, minFreeBytes: 2 ** 50 });
    const kv = createLmdbKvStore({ path, minFreeBytes: 2 ** 50 });
    try {
      for (const refused of [storage.save('Avatar', 'a', { hp: 1 }), storage.claim('Avatar', 'a'), kv.put('k', 'v'), kv.getOrPut('k', 'v')]) {
        expect(await codeOf(refused)).toMatch(/^STORAGE_FAILURE LMDB \w+ refused: ENOSPC: the disk of .* has \d+ KiB free, 0 KiB of it being written, and keeps \d+ KiB in reserve \(storage\.minFreeBytes\)$/);
      }
      expect(await storage.load('Avatar', 'before')).toEqual({ hp: 1 });
      expect(await kv.get('k')).toBeUndefined();
    } finally {
      await storage.close();
      await kv.close();
    }
  });

  it('the default reserve lets writes through on a disk with room', async () => {
    const storage = createLmdbEntityStorage({ path: temp() });
    await storage.save('Avatar', 'a', { hp: 1 });
    expect(await storage.load('Avatar', 'a')).toEqual({ hp: 1 });
    await storage.close();
  });
});
