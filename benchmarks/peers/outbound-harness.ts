import { createGridAoi } from '../../src/aoi/grid-aoi.ts';
import { attr } from '../../src/core/attr-decl.ts';
import type { EntityId } from '../../src/core/entity-id.ts';
import { defineEntityType } from '../../src/core/entity-type.ts';
import { defineSpaceType } from '../../src/core/space.ts';
import { t } from '../../src/core/value-types.ts';
import { createGameWorld } from '../../src/core/world.ts';
import { createClientViews } from '../../src/roles/game/client-views.ts';
import { createOutbound } from '../../src/roles/game/outbound.ts';
import { createWireCodec } from '../../src/protocol/codec.ts';
import { createFrameBatch } from '../../src/protocol/frame-batch.ts';
import { createPackr } from '../../src/protocol/packr.ts';
import { mulberry32 } from '../../src/testing/prng.ts';
import type { Link } from '../../src/transport/index.ts';

/**
 * The game's outbound phase alone, in one process: N walkers with clients in one grid-AOI space (about
 * 30 in each view, as in the peers workload), every one moving up to 2 units a tick, and the times of
 * flushWorldEvents (AOI creates and destroys) and syncPositions per tick, p50 and p99 over 500 ticks.
 * `npx tsx benchmarks/peers/outbound-harness.ts [N]`. For A/B runs of outbound changes (two git
 * worktrees, taking turns) and `node --import tsx --cpu-prof`, without processes or bots: the peers
 * suite is the end-to-end figure, and its windows are too noisy to show a change of a few percent.
 */
const N = Number(process.argv[2] ?? 1000);
const Walker = defineEntityType({ name: 'Walker', attrs: { name: attr(t.string, { flags: ['allClients'] }) } });
const side = Math.sqrt(N / 30 * Math.PI * 100 * 100);
const Field = defineSpaceType({ name: 'Field', aoi: { radius: 100 } });
const world = createGameWorld({ entityTypes: [Walker], spaceTypes: [Field], aoiFactory: createGridAoi, onError: (e) => { throw e; } });
const codec = createWireCodec({ packr: createPackr() });
const link = createFrameBatch();
const views = createClientViews();
const outbound = createOutbound({ world, views, codec, gateLink: () => link as unknown as Link, gateOf: () => 1, takeGone: () => false });
const field = world.createSpace('Field');
world.applyDeferred();
const rand = mulberry32(3);
const ids: EntityId[] = [];
for (let i = 0; i < N; i++) ids.push(world.createEntity('Walker', { space: field, client: `client-${String(i).padStart(9, '0')}`, attrs: { name: `bot${i}` }, position: { x: rand() * side, y: 0, z: rand() * side } }));
const tFlush: number[] = [];
const tSync: number[] = [];
for (let tick = 0; tick < 600; tick++) {
  if (tick > 0) for (const id of ids) {
    const e = world.entity(id)!;
    const p = e.position();
    e.setPosition(Math.min(side, Math.max(0, p.x + (rand() - 0.5) * 4)), 0, Math.min(side, Math.max(0, p.z + (rand() - 0.5) * 4)));
  }
  world.step(0.05);
  let s = performance.now();
  outbound.flushWorldEvents();
  const f = performance.now() - s;
  s = performance.now();
  outbound.syncPositions();
  const y = performance.now() - s;
  outbound.endTick();
  link.takeBytes();
  if (tick > 100) { tFlush.push(f); tSync.push(y); }
}
const pct = (a: number[], q: number) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) * q)].toFixed(3);
const med = (a: number[]) => `${pct(a, 0.5)} / ${pct(a, 0.99)}`;
let inView = 0;
for (const v of views.all()) inView += v.handles.size;
console.log(`N=${N} side=${side.toFixed(0)} avg view ${(inView / N).toFixed(1)}: flushWorldEvents p50/p99 ${med(tFlush)} ms, syncPositions p50/p99 ${med(tSync)} ms`);
