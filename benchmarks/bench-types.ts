/** One measured row. `baseline` rows are what the others are compared against in the same run. */
export interface BenchRow {
  impl: string;
  baseline: boolean;
  /** Median, the headline figure. */
  msPerTick: number;
  meanMs: number;
  p95Ms: number;
  samples: number;
  /** baseline median / this median, for the baseline of the same workload (1 for the baseline). */
  ratio?: number;
  [key: string]: string | number | boolean | undefined;
}

export interface SuiteResult {
  suite: string;
  rows: BenchRow[];
}

export interface BenchSuite {
  name: string;
  description: string;
  /** Columns identifying the workload of a row, printed before the timings. */
  workloadColumns: string[];
  run(log: (line: string) => void): Promise<SuiteResult>;
}
