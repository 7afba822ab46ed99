import { Packr } from 'msgpackr';
import { dumpWorld } from '../../../src/core/world-dump.ts';
import { buildSwapWorld } from '../swap-world.ts';
const { world } = buildSwapWorld(100000, 42);
for (let r = 0; r < 4; r++) {
  const t0 = performance.now();
  const dump = dumpWorld(world);
  const t1 = performance.now();
  const p = new Packr({ useRecords: true, mapsAsObjects: true });
  const buf = p.pack(dump.state);
  const t2 = performance.now();
  const back = new Packr({ useRecords: true, mapsAsObjects: true }).unpack(buf);
  const t3 = performance.now();
  const j = JSON.stringify(dump.state); const t4 = performance.now(); JSON.parse(j); const t5 = performance.now();
  console.log(`dump ${(t1-t0).toFixed(0)} pack ${(t2-t1).toFixed(0)} (${buf.length}) unpack ${(t3-t2).toFixed(0)} json ${(t4-t3).toFixed(0)}/${(t5-t4).toFixed(0)} ${j.length}`);
}
console.log(JSON.stringify(dumpWorld(world).state.entities[5]));
