import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGridAoi } from '../../../src/aoi/grid-aoi.ts';
import { attr } from '../../../src/core/attr-decl.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { TsworldError } from '../../../src/core/errors.ts';
import { defineSpaceType } from '../../../src/core/space.ts';
import { t } from '../../../src/core/value-types.ts';
import { createGameWorld } from '../../../src/core/world.ts';
import { dumpWorld, entityRows } from '../../../src/core/world-dump.ts';
import type { GameWorldOptions } from '../../../src/core/world-api.ts';
import { Velocity } from '../../../src/ecs/builtin-components.ts';
import { defineComponent, type ComponentDef } from '../../../src/ecs/schema.ts';
import { freezeToFile, restoreFromFile, summarizeLoadReport } from '../../../src/hotswap/hot-swap.ts';
import { readSnapshot, writeSnapshot } from '../../../src/hotswap/snapshot-file.ts';
import { PRELUDE_BYTES, SNAPSHOT_VERSION } from '../../../src/hotswap/snapshot-format.ts';

const Health = defineComponent('Health', { hp: { type: 'u16', default: 100 }, regen: 'f32' });

function options(log: string[], health: ComponentDef = Health): GameWorldOptions {
  const Avatar = defineEntityType({
    name: 'Avatar',
    components: [Velocity, health],
    attrs: {
      name: attr(t.string, { flags: ['allClients'] }),
      bag: attr(t.list(t.string), { flags: ['client'] }),
      stats: attr(t.map(t.int)),
    },
    rpc: { ring: { expose: 'server', args: [t.string], fn: (e, s) => void log.push(`${e.attrs.get('name')} ${s} @${e.world.now}`) } },
  });
  const Field = defineSpaceType({ name: 'Field', aoi: { radius: 10 } });
  return { entityTypes: [Avatar], spaceTypes: [Field], aoiFactory: createGridAoi, gameId: 3, onError: (e: unknown) => { throw e; } };
}

function populated() {
  const log: string[] = [];
  const world = createGameWorld(options(log));
  const field = world.createSpace('Field');
  world.applyDeferred();
  const ids = ['ann', 'bob', 'cy'].map((name, i) =>
    world.createEntity('Avatar', { attrs: { name }, space: field, position: { x: i * 4, y: 1, z: -i } }),
  );
  world.step(0.05);
  const [ann, bob] = ids.map((id) => world.entity(id)!);
  ann.attrs.list('bag').append('key');
  ann.attrs.map('stats').set('str', 17);
  world.store(Health).hp[bob.eid] = 42;
  world.store(Health).regen[bob.eid] = 0.5;
  ann.timers.add(300, 'ring', ['once']);
  ann.setClient('client-ann');
  world.step(0.05);
  return { world, log, ids };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof TsworldError ? err.code : `non-tsworld: ${String(err)}`;
  }
  return 'no error';
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsworld-snap-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('snapshot file', () => {
  it('round-trips a world and the role extra through a file, atomically', () => {
    const { world, ids, log } = populated();
    const path = join(dir, 'game3.snap');
    const extra = { gates: { 'client-ann': 2 }, filters: [['room', 'a']] };
    const frozen = freezeToFile(world, path, extra);
    expect(frozen.entities).toBe(3);
    expect(readdirSync(dir)).toEqual(['game3.snap']); // no temp file left behind

    const { world: back, report, extra: extraBack, header } = restoreFromFile(path, options(log));
    expect(summarizeLoadReport(report)).toBe('no schema changes');
    expect(extraBack).toEqual(extra);
    expect(header).toEqual(frozen.header);
    expect(back.gameId).toBe(3);
    for (const id of ids) {
      const a = world.entity(id)!;
      const b = back.entity(id)!;
      expect(b.eid).toBe(a.eid);
      expect(b.position()).toEqual(a.position());
      expect(back.clientSnapshot(id, 'owner')).toEqual(world.clientSnapshot(id, 'owner'));
      expect(back.interestedIn(id).sort()).toEqual(world.interestedIn(id).sort());
      expect(back.store(Health).hp[b.eid]).toBe(world.store(Health).hp[a.eid]);
    }
    expect(back.entity(ids[0])!.attrs.map('stats').get('str')).toBe(17);
    expect(back.store(Health).regen[back.entity(ids[1])!.eid]).toBe(0.5);
    expect(back.entityOfClient('client-ann')?.id).toBe(ids[0]);
    log.length = 0;
    for (let i = 0; i < 6; i++) back.step(0.05);
    expect(log).toEqual(['ann once @350']); // armed at 50 for 300 ms, frozen at 100 with 250 left
    expect(existsSync(path)).toBe(true); // the caller removes it once the swap is done
  });

  it('writes a header readers can check, and arrays they can view in place', () => {
    const { world } = populated();
    const path = join(dir, 's.snap');
    const dump = dumpWorld(world, { freeze: false });
    writeSnapshot(path, dump);
    const snap = readSnapshot(path);
    expect(snap.info.prelude).toMatchObject({ version: SNAPSHOT_VERSION, gameId: 3, tick: dump.header.tick, schemaHash: dump.header.schemaHash });
    expect(snap.extra).toBeUndefined();
    const buffers = new Set(snap.dump.components.flatMap((c) => c.fields.map((f) => f.bytes.buffer)));
    expect(buffers.size).toBe(1);
    for (const c of snap.dump.components) {
      for (const f of c.fields) {
        expect(f.bytes.byteOffset % 8).toBe(0);
        const before = dump.components.find((d) => d.name === c.name)!.fields.find((g) => g.name === f.name)!;
        expect(Buffer.from(f.bytes).equals(Buffer.from(before.bytes))).toBe(true);
      }
    }
    expect(entityRows(snap.dump)).toEqual(entityRows(dump));
    expect(snap.dump.state.spaces).toEqual(dump.state.spaces);
    expect(snap.dump.state.entities.type.byteOffset % 8).toBe(0);
    expect(snap.dump.state.entities.idSlots.byteOffset % 8).toBe(0);
  });

  it('replaces an existing snapshot whole and leaves no temp file when the directory is missing', () => {
    const a = populated();
    const path = join(dir, 's.snap');
    writeSnapshot(path, dumpWorld(a.world, { freeze: false }), 'first');
    writeSnapshot(path, dumpWorld(a.world, { freeze: false }), 'second');
    expect(readSnapshot(path).extra).toBe('second');
    expect(readdirSync(dir)).toEqual(['s.snap']);
    expect(codeOf(() => writeSnapshot(join(dir, 'nope', 's.snap'), dumpWorld(a.world, { freeze: false })))).toBe('INVALID_STATE');
  });

  it('refuses truncated, corrupt and foreign files with a TsworldError, never a crash', () => {
    const { world } = populated();
    const path = join(dir, 's.snap');
    writeSnapshot(path, dumpWorld(world, { freeze: false }), { some: 'extra' });
    const good = readFileSync(path);
    const bad = join(dir, 'bad.snap');
    const cuts = [0, 7, PRELUDE_BYTES - 1, PRELUDE_BYTES, PRELUDE_BYTES + 30, good.length >> 1, good.length - 1];
    for (const len of cuts) {
      writeFileSync(bad, good.subarray(0, len));
      expect(codeOf(() => readSnapshot(bad)), `cut at ${len}`).toBe('INVALID_STATE');
    }
    // One flipped byte anywhere: prelude, table, msgpack sections, a component array.
    for (const at of [3, 30, PRELUDE_BYTES + 5, good.length >> 2, good.length >> 1, good.length - 5]) {
      const copy = Buffer.from(good);
      copy[at] ^= 0x5a;
      writeFileSync(bad, copy);
      expect(['INVALID_STATE', 'SCHEMA_MISMATCH'], `flip at ${at}`).toContain(codeOf(() => readSnapshot(bad)));
    }
    // Other format versions, newer or older (1 had an entity table by row), are refused, not guessed at.
    for (const version of [SNAPSHOT_VERSION + 1, 2, 1]) {
      const other = Buffer.from(good);
      other.writeUInt32LE(version, 8);
      writeFileSync(bad, other);
      expect(codeOf(() => readSnapshot(bad)), `version ${version}`).toBe('SCHEMA_MISMATCH');
      expect(() => readSnapshot(bad)).toThrow(`has file format ${version}; this code reads ${SNAPSHOT_VERSION}`);
    }
    writeFileSync(bad, Buffer.concat([good, Buffer.alloc(8)]));
    expect(codeOf(() => readSnapshot(bad))).toBe('INVALID_STATE');
    expect(codeOf(() => readSnapshot(join(dir, 'missing.snap')))).toBe('INVALID_STATE');
  });

  it('loads a snapshot from old code: added fields default, removed fields dropped with a summary', () => {
    const { world, ids } = populated();
    const path = join(dir, 's.snap');
    freezeToFile(world, path);
    const HealthV2 = defineComponent('Health', { hp: { type: 'u16', default: 100 }, shield: { type: 'u8', default: 7 } });
    const { world: back, report } = restoreFromFile(path, options([], HealthV2));
    expect(report.addedFields).toEqual({ Health: ['shield'] });
    expect(report.removedFields).toEqual({ Health: ['regen'] });
    expect(summarizeLoadReport(report)).toBe('added fields (defaults) Health.shield; removed fields (dropped) Health.regen');
    const bob = back.entity(ids[1])!.eid;
    expect(back.store(HealthV2).hp[bob]).toBe(42);
    expect(back.store(HealthV2).shield[bob]).toBe(7);
  });

  it('refuses a field whose type changed with SCHEMA_MISMATCH and keeps the file', () => {
    const { world } = populated();
    const path = join(dir, 's.snap');
    freezeToFile(world, path);
    const bytes = readFileSync(path);
    const HealthV3 = defineComponent('Health', { hp: 'u32', regen: 'f32' });
    expect(codeOf(() => restoreFromFile(path, options([], HealthV3)))).toBe('SCHEMA_MISMATCH');
    expect(readFileSync(path).equals(bytes)).toBe(true);
    // The very same file still restores with compatible code.
    expect(restoreFromFile(path, options([])).world.entityCount).toBe(3);
  });
});
