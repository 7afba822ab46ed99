import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNativeGridAoi } from '../../src/aoi/grid-aoi.ts';
import { freezeToFile, restoreFromFile } from '../../src/hotswap/hot-swap.ts';
import type { BenchRow, BenchSuite } from '../bench-types.ts';
import { measure, type MeasureOptions } from '../measure.ts';
import { freezePerEntity, restorePerEntity } from './per-entity-msgpack.ts';
import { AOI_RADIUS, buildSwapWorld, MAP_SIZE, TIMER_EVERY } from './swap-world.ts';

const WORKER = fileURLToPath(new URL('./restore-worker.ts', import.meta.url));

const SIZES = [10_000, 100_000];

interface Impl {
  name: string;
  baseline: boolean;
  /** One swap: freeze to `path`, then restore from it; returns the file size. */
  swap(ctx: ReturnType<typeof buildSwapWorld>, path: string, parts: Parts): number;
  /** The freeze half alone; returns the file size. */
  freeze(ctx: ReturnType<typeof buildSwapWorld>, path: string): number;
}

interface Parts {
  freeze: number[];
  restore: number[];
}

const IMPLS: Impl[] = [
  {
    name: 'tsworld',
    baseline: false,
    swap({ world, options }, path, parts) {
      const t0 = performance.now();
      const { bytes } = freezeToFile(world, path);
      const t1 = performance.now();
      restoreFromFile(path, options);
      parts.freeze.push(t1 - t0);
      parts.restore.push(performance.now() - t1);
      return bytes;
    },
    freeze: ({ world }, path) => freezeToFile(world, path).bytes,
  },
  {
    name: 'per-entity-msgpack',
    baseline: true,
    swap({ world, ids, options }, path, parts) {
      const t0 = performance.now();
      const bytes = freezePerEntity(world, ids, path);
      const t1 = performance.now();
      restorePerEntity(path, options);
      parts.freeze.push(t1 - t0);
      parts.restore.push(performance.now() - t1);
      return bytes;
    },
    freeze: ({ world, ids }, path) => freezePerEntity(world, ids, path),
  },
];

/** The baseline takes seconds per swap at 100k: a few samples keep the suite within a few minutes. */
function budget(impl: Impl, n: number): MeasureOptions {
  if (n >= 100_000) return { iterations: impl.baseline ? 3 : 7, timeMs: 0 };
  return { iterations: impl.baseline ? 7 : 15, timeMs: 0 };
}

/** Fresh-process samples: each one is a child process start, so fewer than the warm ones. */
function freshSamples(impl: Impl, n: number): number {
  if (n >= 100_000) return impl.baseline ? 3 : 5;
  return impl.baseline ? 3 : 7;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];

/** Restores `path` in a new process (the tsx loader comes from this runner's execArgv); its restore time. */
function freshRestore(impl: Impl, path: string): number {
  const child = spawnSync(process.execPath, [...process.execArgv, WORKER, impl.name, path], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`restore worker for ${impl.name} exited with ${child.status}: ${child.stderr}`);
  const out = JSON.parse(child.stdout.trim().split('\n').pop() as string) as { restoreMs: number };
  return out.restoreMs;
}

export const hotswapSuite: BenchSuite = {
  name: 'hotswap',
  description:
    `process-swap pause = freeze (dump + write file) + restore (read + load + AOI rebuild): one grid-AOI space ` +
    `(${loadNativeGridAoi() !== null ? 'C++ kernels' : 'TypeScript kernels: native/build.sh not run'}, as the game role picks), ` +
    `radius ${AOI_RADIUS} on ${MAP_SIZE}², Position/Yaw/Velocity + 4 attributes, a timer on 1 in ${TIMER_EVERY}. ` +
    `restore=warm: freeze and restore repeated in one process (warm JIT, old worlds left to the GC); ` +
    `restore=fresh: as a real swap, each restore is the first one in a new process (clean heap; each successor first warms its restore path up on a practice world of 8k entities, as tsworld's game role does before the freeze), ` +
    `pause = that restore + a freeze in the warm old process`,
  workloadColumns: ['entities', 'restore'],
  async run(log) {
    const rows: BenchRow[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'tsworld-bench-hotswap-'));
    try {
      for (const n of SIZES) {
        const ctx = buildSwapWorld(n, 4242 + n);
        const fresh: BenchRow[] = [];
        for (const impl of IMPLS) {
          const path = join(dir, `${impl.name}-${n}.snap`);
          const parts: Parts = { freeze: [], restore: [] };
          // One untimed swap: JIT warm-up, and the file exists for the size column.
          let bytes = impl.swap(ctx, path, { freeze: [], restore: [] });
          const timing = await measure(`${impl.name} ${n}`, () => {
            bytes = impl.swap(ctx, path, parts);
          }, budget(impl, n));
          const freezeMs = median(parts.freeze);
          const restoreMs = median(parts.restore);
          const fileMB = Math.round(bytes / 1e5) / 10;
          rows.push({
            entities: n,
            restore: 'warm',
            impl: impl.name,
            baseline: impl.baseline,
            msPerTick: timing.medianMs,
            pauseMs: timing.medianMs,
            freezeMs,
            restoreMs,
            meanMs: timing.meanMs,
            p95Ms: timing.p95Ms,
            samples: timing.samples,
            fileMB,
          });
          log(`${impl.name.padEnd(20)} n=${n} warm:  pause median ${timing.medianMs.toFixed(1)} ms (freeze ${freezeMs.toFixed(1)}, restore ${restoreMs.toFixed(1)}), ${fileMB} MB, ${timing.samples} swaps`);

          const freezes: number[] = [];
          const restores: number[] = [];
          const pauses: number[] = [];
          for (let i = 0; i < freshSamples(impl, n); i++) {
            const t0 = performance.now();
            impl.freeze(ctx, path);
            const f = performance.now() - t0;
            const r = freshRestore(impl, path);
            freezes.push(f);
            restores.push(r);
            pauses.push(f + r);
          }
          const row: BenchRow = {
            entities: n,
            restore: 'fresh',
            impl: impl.name,
            baseline: impl.baseline,
            msPerTick: median(pauses),
            pauseMs: median(pauses),
            freezeMs: median(freezes),
            restoreMs: median(restores),
            meanMs: mean(pauses),
            p95Ms: p95(pauses),
            samples: pauses.length,
            fileMB,
          };
          fresh.push(row);
          log(`${impl.name.padEnd(20)} n=${n} fresh: pause median ${row.msPerTick.toFixed(1)} ms (freeze ${(row.freezeMs as number).toFixed(1)}, first restore ${(row.restoreMs as number).toFixed(1)}), ${pauses.length} child processes`);
        }
        rows.push(...fresh);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return { suite: 'hotswap', rows };
  },
};
