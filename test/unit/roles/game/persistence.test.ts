import { afterEach, describe, expect, it } from 'vitest';
import { attr } from '../../../../src/core/attr-decl.ts';
import { defineEntityType } from '../../../../src/core/entity-type.ts';
import { t } from '../../../../src/core/value-types.ts';
import { defineGame } from '../../../../src/roles/game/game-module.ts';
import { createMemoryEntityStorage, createMemoryKvStore } from '../../../../src/storage/index.ts';
import { createTestCluster, type TestCluster } from '../../../../src/testing/test-cluster.ts';
import { createCaptureLog } from '../../../support/capture-log.ts';
import { recordClient, type TestClient } from '../../../support/clients.ts';
import { faultyEntityStorage, faultyKvStore, type FaultSwitch } from '../../../support/faulty-storage.ts';

/** A persistent boot entity whose `bump` changes a persistent attribute, saves, and says how the save went. */
const Player = defineEntityType({
  name: 'Player',
  persistent: true,
  attrs: { score: attr(t.int, { flags: ['client', 'persistent'] }) },
  rpc: {
    bump: {
      expose: 'ownClient',
      args: [t.int],
      fn(e, seq) {
        e.attrs.set('score', e.attrs.get('score') + 1);
        e.callClient('onBump', [seq, e.attrs.get('score')]);
        e.save((err) => e.callClient('onSaved', [seq, err ? (err as { code?: string }).code ?? err.message : 'ok']));
      },
    },
    remember: {
      expose: 'ownClient',
      args: [t.string],
      fn(e, value) {
        e.world.cluster.kv.put(`note:${e.id}`, value, (err) => e.callClient('onPut', [err ? err.message : 'ok']));
      },
    },
  },
});
const game = defineGame({ entityTypes: [Player], bootEntity: 'Player' });

const metric = async (cluster: TestCluster, name: string): Promise<number> => {
  const text = await cluster.metrics.games[0]!.text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
};

describe('a game whose storage writes fail', () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  async function start(sw: FaultSwitch) {
    const log = createCaptureLog();
    const storage = createMemoryEntityStorage();
    const kv = createMemoryKvStore();
    cluster = await createTestCluster({
      game,
      storage: faultyEntityStorage(storage, sw),
      kv: faultyKvStore(kv, sw),
      log: (role) => (role === 'game' ? log : createCaptureLog()),
    });
    const client: TestClient = recordClient(await cluster.connect(), { until: cluster.until });
    const player = await client.waitForPlayer();
    return { log, storage, kv, client, player, c: cluster };
  }

  it('keeps ticking, retries, reports to game code, metrics and logs, and loses nothing once storage is back', async () => {
    const sw: FaultSwitch = { down: true, refused: 0 };
    const { log, storage, kv, client, player, c } = await start(sw);
    for (let seq = 1; seq <= 5; seq++) client.call(player.id, 'bump', seq);
    client.call(player.id, 'remember', 'during the outage');
    // The game answers every call while nothing can be written.
    await client.waitCall('onBump', ([seq]) => seq === 5);
    await c.advance(5_000);
    expect(client.calls.filter((x) => x.method === 'onSaved')).toEqual([]);
    expect(client.calls.filter((x) => x.method === 'onPut')).toEqual([]);
    expect(await metric(c, 'tsworld_storage_failures_total')).toBeGreaterThan(2);
    expect(await metric(c, 'tsworld_storage_retries_total')).toBeGreaterThan(2);
    expect(await metric(c, 'tsworld_storage_pending_writes')).toBe(2);
    const failures = log.lines.filter((l) => l.message === 'storage write failed; retrying');
    expect(failures.length).toBeGreaterThan(0);
    // Bounded: one line per kind of write per 10 s, however many attempts failed.
    expect(failures.length).toBeLessThanOrEqual(2);
    expect(failures[0]!.fields).toMatchObject({ write: expect.any(String), attempt: expect.any(Number) });
    expect(String((failures[0]!.fields['err'] as Error).message)).toMatch(/ENOSPC/);

    sw.down = false;
    const saved = await client.waitCall('onSaved', ([seq]) => seq === 5);
    expect(saved.args).toEqual([5, 'ok']);
    await client.waitCall('onPut');
    expect(client.calls.filter((x) => x.method === 'onSaved').map((x) => x.args[1])).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(await storage.load('Player', player.id)).toEqual({ score: 5 });
    expect(await kv.get(`note:${player.id}`)).toBe('during the outage');
    expect(await metric(c, 'tsworld_storage_pending_writes')).toBe(0);
    expect(log.lines.some((l) => l.message === 'storage write landed after retries')).toBe(true);
  });

  it('saves with the generation it claimed: a newer claim elsewhere fences this copy, and game code hears it', async () => {
    const sw: FaultSwitch = { down: false, refused: 0 };
    const { storage, client, player, log } = await start(sw);
    client.call(player.id, 'bump', 1);
    expect((await client.waitCall('onSaved', ([seq]) => seq === 1)).args).toEqual([1, 'ok']);
    // Another game took the entity over (this one was declared down): it claims a newer generation.
    await storage.claim('Player', player.id);
    client.call(player.id, 'bump', 2);
    expect((await client.waitCall('onSaved', ([seq]) => seq === 2)).args).toEqual([2, 'STALE_GENERATION']);
    expect(await storage.load('Player', player.id)).toEqual({ score: 1 });
    expect(log.lines.some((l) => l.level === 'error' && /newer instance/.test(l.message))).toBe(true);
  });

  it('a stop during an outage waits, then says what it could not save', async () => {
    const sw: FaultSwitch = { down: true, refused: 0 };
    const { log, client, player, c } = await start(sw);
    client.call(player.id, 'bump', 1);
    await client.waitCall('onBump');
    const stopping = c.stop();
    cluster = undefined;
    // The fake clock moves only when told to: let the stop's wait run out.
    await c.advance(11_000).catch(() => undefined);
    await stopping;
    const line = log.lines.find((l) => /writes not saved/.test(l.message));
    expect(line?.level).toBe('error');
    expect(line?.fields).toMatchObject({ count: 1, unsaved: [player.id] });
  });
});
