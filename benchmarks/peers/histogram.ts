/** Cumulative bucket counts of one Prometheus histogram: upper bound in seconds → observations ≤ it. */
export type Buckets = Map<number, number>;

/** The `_bucket` series of histogram `name` in a /metrics text (the first label set's, summed over none). */
export function parseBuckets(text: string, name: string): Buckets {
  const out: Buckets = new Map();
  const re = new RegExp(`^${name}_bucket\\{(?:[^}]*,)?le="([^"]+)"[^}]*\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    const le = m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]);
    out.set(le, (out.get(le) ?? 0) + Number(m[2]));
  }
  return out;
}

/** What was observed between two scrapes of the same histogram. */
export function bucketDelta(after: Buckets, before: Buckets): Buckets {
  return new Map([...after].map(([le, n]) => [le, n - (before.get(le) ?? 0)]));
}

export function bucketCount(b: Buckets): number {
  return b.get(Number.POSITIVE_INFINITY) ?? 0;
}

/**
 * Quantile q from cumulative buckets, interpolated linearly inside the bucket it falls in (what
 * Prometheus's histogram_quantile does), in the unit of the bounds. NaN when nothing was observed; past
 * the last finite bound it answers that bound (the true value is only known to be larger).
 */
export function bucketQuantile(b: Buckets, q: number): number {
  const bounds = [...b.keys()].sort((x, y) => x - y);
  const total = bucketCount(b);
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const le of bounds) {
    const count = b.get(le)!;
    if (count >= rank) {
      if (!Number.isFinite(le)) return prevBound;
      const inBucket = count - prevCount;
      return inBucket === 0 ? le : prevBound + ((le - prevBound) * (rank - prevCount)) / inBucket;
    }
    prevBound = le;
    prevCount = count;
  }
  return prevBound;
}
