import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freezeToFile, restoreFromFile } from '../../src/hotswap/hot-swap.ts';
import type { BenchRow, BenchSuite } from '../bench-types.ts';
import { measure, type MeasureOptions } from '../measure.ts';
import { freezePerEntity, restorePerEntity } from './per-entity-msgpack.ts';
import { AOI_RADIUS, buildSwapWorld, MAP_SIZE, TIMER_EVERY } from './swap-world.ts';

const SIZES = [10_000, 100_000];

interface Impl {
  name: string;
  baseline: boolean;
  /** One swap: freeze to `path`, then restore from it; returns the file size. */
  swap(ctx: ReturnType<typeof buildSwapWorld>, path: string, parts: Parts): number;
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
  },
];

/** The baseline takes seconds per swap at 100k: a few samples keep the suite well under two minutes. */
function budget(impl: Impl, n: number): MeasureOptions {
  if (n >= 100_000) return { iterations: impl.baseline ? 3 : 7, timeMs: 0 };
  return { iterations: impl.baseline ? 7 : 15, timeMs: 0 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export const hotswapSuite: BenchSuite = {
  name: 'hotswap',
  description:
    `process-swap pause = freeze (dump + write file) + restore (read + load + AOI rebuild): one grid-AOI space, ` +
    `radius ${AOI_RADIUS} on ${MAP_SIZE}², Position/Yaw/Velocity + 4 attributes, a timer on 1 in ${TIMER_EVERY}`,
  workloadColumns: ['entities'],
  async run(log) {
    const rows: BenchRow[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'tsworld-bench-hotswap-'));
    try {
      for (const n of SIZES) {
        const ctx = buildSwapWorld(n, 4242 + n);
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
          const row: BenchRow = {
            entities: n,
            impl: impl.name,
            baseline: impl.baseline,
            msPerTick: timing.medianMs,
            pauseMs: timing.medianMs,
            freezeMs,
            restoreMs,
            meanMs: timing.meanMs,
            p95Ms: timing.p95Ms,
            samples: timing.samples,
            fileMB: Math.round(bytes / 1e5) / 10,
          };
          rows.push(row);
          log(`${impl.name.padEnd(20)} n=${n}: pause median ${timing.medianMs.toFixed(1)} ms (freeze ${freezeMs.toFixed(1)}, restore ${restoreMs.toFixed(1)}), ${row.fileMB} MB, ${timing.samples} swaps`);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return { suite: 'hotswap', rows };
  },
};
