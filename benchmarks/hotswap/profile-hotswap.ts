import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dumpWorld, loadWorld } from '../../src/core/world-dump.ts';
import { readSnapshot, writeSnapshot } from '../../src/hotswap/snapshot-file.ts';
import { buildSwapWorld } from './swap-world.ts';

/**
 * Profiling driver: `node --cpu-prof --import tsx benchmarks/hotswap/profile-hotswap.ts 100000 5`
 * (entities, rounds). Prints each phase of a swap so a profile can be matched to it, and the CPU time
 * of the whole swap (steadier than wall time on a shared machine).
 */
const [n = 100_000, rounds = 5] = process.argv.slice(2).map(Number);
const t0 = performance.now();
const { world, options } = buildSwapWorld(n, 42);
console.log(`built ${n} in ${(performance.now() - t0).toFixed(0)} ms`);
const dir = mkdtempSync(join(tmpdir(), 'tsworld-prof-'));
const path = join(dir, 'game.snap');
for (let r = 0; r < rounds; r++) {
  const cpu0 = process.cpuUsage();
  const a = performance.now();
  const dump = dumpWorld(world);
  const b = performance.now();
  const info = writeSnapshot(path, dump, { round: r });
  const c = performance.now();
  const snap = readSnapshot(path);
  const d = performance.now();
  loadWorld(snap.dump, options);
  const e = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const f = (x: number) => x.toFixed(1).padStart(7);
  console.log(`dump ${f(b - a)}  write ${f(c - b)}  read ${f(d - c)}  load ${f(e - d)}  = pause ${f(e - a)} ms, cpu ${f((cpu.user + cpu.system) / 1000)} ms  (${(info.bytes / 1e6).toFixed(1)} MB)`);
}
rmSync(dir, { recursive: true, force: true });
