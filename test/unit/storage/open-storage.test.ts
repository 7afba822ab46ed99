import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEntityStorage, openKvStore } from '../../../src/storage/index.ts';

describe('openKvStore / openEntityStorage', () => {
  it('builds the backend the spec names', async () => {
    const memoryKv = openKvStore({ kind: 'memory' });
    const memoryEntities = openEntityStorage({ kind: 'memory' });
    expect(memoryKv.capabilities.durable).toBe(false);
    expect(memoryEntities.capabilities.durable).toBe(false);
    await Promise.all([memoryKv.close(), memoryEntities.close()]);
  });

  it('kv and entities share one LMDB directory as separate named databases', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsworld-open-storage-'));
    try {
      const kv = openKvStore({ kind: 'lmdb', path: dir });
      const entities = openEntityStorage({ kind: 'lmdb', path: dir });
      expect(kv.capabilities.durable).toBe(true);
      await kv.put('Avatar:E1', 'kv value');
      await entities.save('Avatar', 'E1', { hp: 5 });
      expect(await kv.get('Avatar:E1')).toBe('kv value');
      expect(await entities.load('Avatar', 'E1')).toEqual({ hp: 5 });
      await Promise.all([kv.close(), entities.close()]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
