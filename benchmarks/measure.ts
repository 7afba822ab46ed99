import { Bench } from 'tinybench';

export interface Timing {
  medianMs: number;
  meanMs: number;
  p95Ms: number;
  samples: number;
}

export interface MeasureOptions {
  /** Minimum iterations. */
  iterations: number;
  /** Time budget in ms; tinybench keeps going until both the iterations and the budget are spent. */
  timeMs: number;
}

/**
 * Times `fn` with tinybench (no warmup: callers pre-warm their own state) and keeps the samples.
 * `beforeEach` runs before every timed call, outside the timing (e.g. the workload's own step).
 */
export async function measure(name: string, fn: () => void, opts: MeasureOptions, beforeEach?: () => void): Promise<Timing> {
  const bench = new Bench({ name, iterations: opts.iterations, time: opts.timeMs, warmup: false, retainSamples: true, throws: true });
  bench.add(name, fn, beforeEach === undefined ? {} : { beforeEach });
  await bench.run();
  const task = bench.tasks[0];
  const result = task.result;
  if (result.state !== 'completed') throw new Error(`benchmark ${name} did not complete: ${result.state}`);
  const lat = result.latency;
  const samples = lat.samples ?? [];
  return {
    medianMs: lat.p50,
    meanMs: lat.mean,
    p95Ms: percentile(samples, 0.95),
    samples: lat.samplesCount,
  };
}

function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
