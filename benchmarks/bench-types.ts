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

/** Flags of `npm run bench` that suites may honour. */
export interface SuiteOptions {
  /** `--quick`: a shorter plan that still covers the suite's headline cases. */
  quick?: boolean;
}

export interface BenchSuite {
  name: string;
  description: string;
  /** Columns identifying the workload of a row, printed before the timings. */
  workloadColumns: string[];
  /** The suite's own table, where the generic timing table does not show its figures. */
  format?(rows: BenchRow[]): string;
  run(log: (line: string) => void, opts?: SuiteOptions): Promise<SuiteResult>;
}
