import { Bench } from 'tinybench';
import type { Timing } from '../measure.ts';

/**
 * One round of a network benchmark: does its work, awaits whatever it must (a peer confirming receipt),
 * and returns the milliseconds of the part it timed itself. The untimed rest keeps rounds independent
 * (every round starts with empty socket buffers) without counting the peer's work.
 */
export type Round = () => Promise<number>;

/**
 * Times `rounds` rounds with tinybench (async task, each sample the round's own `overriddenDuration`),
 * after `warmup` untimed ones. Sibling of ../measure.ts, which only times synchronous work. The dispatcher
 * suite uses it too.
 */
export async function measureRounds(name: string, round: Round, opts: { warmup: number; rounds: number }): Promise<Timing> {
  for (let i = 0; i < opts.warmup; i++) await round();
  const bench = new Bench({ name, iterations: opts.rounds, time: 0, warmup: false, retainSamples: true, throws: true });
  bench.add(name, async () => ({ overriddenDuration: await round() }), { async: true });
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed') throw new Error(`benchmark ${name} did not complete: ${result.state}`);
  const lat = result.latency;
  const samples = Float64Array.from(lat.samples ?? []).sort();
  return { medianMs: lat.p50, meanMs: lat.mean, p95Ms: percentile(samples, 0.95), samples: lat.samplesCount };
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Rejects after `ms` with a message naming what was awaited: a stuck peer must not hang the suite. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
