import { Bench } from 'tinybench';
import type { Timing } from '../measure.ts';

/**
 * One round of a network benchmark: does its work, awaits whatever it must (a peer confirming receipt),
 * and returns the milliseconds of the part it timed itself. The untimed rest keeps rounds independent
 * (every round starts with empty socket buffers) without counting the peer's work.
 */
export type Round = () => Promise<number>;

export interface RoundCase {
  /** Unique among the cases measured together. */
  key: string;
  round: Round;
}

export interface InterleaveOptions {
  /** Untimed rounds per case before any timing. */
  warmup: number;
  /** The cases take turns this many times... */
  blocks: number;
  /** ...each turn timing this many rounds of one case. */
  roundsPerBlock: number;
}

/**
 * Times each case's rounds with tinybench (async task, every sample the round's own
 * `overriddenDuration`), the cases taking turns in blocks so that a change in machine load during the run
 * (the cores are shared) lands on every case rather than on whichever ran last. Sibling of ../measure.ts,
 * which only times synchronous work.
 */
export async function measureInterleaved(
  cases: readonly RoundCase[],
  opts: InterleaveOptions,
  onBlock?: (block: number) => void,
): Promise<Map<string, Timing>> {
  for (const c of cases) for (let i = 0; i < opts.warmup; i++) await c.round();
  const samples = new Map<string, number[]>(cases.map((c) => [c.key, []]));
  for (let block = 0; block < opts.blocks; block++) {
    for (const c of cases) samples.get(c.key)!.push(...(await timeRounds(c, opts.roundsPerBlock)));
    onBlock?.(block + 1);
  }
  return new Map(cases.map((c) => [c.key, summarize(samples.get(c.key)!)]));
}

async function timeRounds(c: RoundCase, rounds: number): Promise<number[]> {
  const bench = new Bench({ name: c.key, iterations: rounds, time: 0, warmup: false, retainSamples: true, throws: true });
  bench.add(c.key, async () => ({ overriddenDuration: await c.round() }), { async: true });
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed') throw new Error(`benchmark ${c.key} did not complete: ${result.state}`);
  return Array.from(result.latency.samples ?? []);
}

function summarize(samples: number[]): Timing {
  const sorted = Float64Array.from(samples).sort();
  return {
    medianMs: percentile(sorted, 0.5),
    meanMs: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    p95Ms: percentile(sorted, 0.95),
    samples: sorted.length,
  };
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
