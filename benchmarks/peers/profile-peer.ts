import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { startBotPool } from './bot-pool.ts';
import { colyseusSystem } from './colyseus-system.ts';
import { areaSide } from './peers-workload.ts';
import { tsworldSystem } from './tsworld-system.ts';

/**
 * Where a peers window's server CPU goes, steady state only (the joins, which are O(N²) messages with
 * everyone in view, are excluded): `TSWORLD_NODE_FLAGS=--perf-basic-prof npx tsx
 * benchmarks/peers/profile-peer.ts tsworld-all 1000 8 /tmp/peer-prof` starts the system with N bots
 * (system: tsworld-all, tsworld-aoi or colyseus), waits for them to settle, then runs `perf record` on
 * each server process and the first bot process for the given seconds and writes OUT/<process>.data
 * (read with `perf report -i`).
 */
const [name = 'tsworld-all', n = '1000', seconds = '8', out = '/tmp/peer-prof'] = process.argv.slice(2);
const system = name === 'colyseus' ? colyseusSystem() : name === 'tsworld-all' || name === 'tsworld-aoi' ? tsworldSystem(name) : null;
if (system === null) throw new Error(`system must be tsworld-all, tsworld-aoi or colyseus, got ${name}`);
const side = areaSide(Number(n));
const running = await system.start(Number(n));
try {
  const pool = await startBotPool(system.client, running, Number(n), { minX: 0, maxX: side, minZ: 0, maxZ: side }, 7);
  try {
    await new Promise((resolve) => setTimeout(resolve, 4000));
    // The first bot process too: the bots share the machine, so what they cost is the servers' headroom.
    const procs = { ...running.pids, bots1: pool.pids[0] };
    mkdirSync(out, { recursive: true });
    const records = Object.entries(procs).map(([proc, pid]) => new Promise<void>((resolve, reject) => {
      const perf = spawn('perf', ['record', '-F', '999', '-g', '-p', String(pid), '-o', `${out}/${proc}.data`, '--', 'sleep', seconds], { stdio: 'inherit' });
      perf.on('error', reject);
      perf.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`perf record for ${proc} exited with ${code}`))));
    }));
    await Promise.all(records);
    console.log(`wrote ${Object.keys(procs).map((p) => `${out}/${p}.data`).join(', ')}`);
  } finally {
    await pool.stop();
  }
} finally {
  await running.stop();
}
