import { addComponent, addEntity, createWorld, hasComponent } from 'bitecs';
const A = {}, B = {}, C = {};
for (let r = 0; r < 4; r++) {
  const w = createWorld();
  const t0 = performance.now();
  for (let i = 1; i < 100001; i++) addEntity(w);
  const t1 = performance.now();
  for (let i = 1; i < 100001; i++) { addComponent(w, i, A); addComponent(w, i, B); addComponent(w, i, C); }
  const t2 = performance.now();
  let k = 0; for (let i = 1; i < 100001; i++) if (hasComponent(w, i, B)) k++;
  const t3 = performance.now();
  const m = new Map(); for (let i = 1; i < 100001; i++) m.set('abcdefghijklmn' + i, i);
  const t4 = performance.now();
  const s = new Set(); for (let i = 1; i < 100001; i++) s.add({i});
  const t5 = performance.now();
  console.log(`addEntity ${(t1-t0).toFixed(1)} addComponent x3 ${(t2-t1).toFixed(1)} has ${(t3-t2).toFixed(1)} map ${(t4-t3).toFixed(1)} set ${(t5-t4).toFixed(1)}`);
}
