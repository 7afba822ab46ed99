import { writeFileSync } from 'node:fs';
import type { SuiteResult } from './bench-types.ts';
import { SUITES } from './suites.ts';
import { addRatios, formatTable } from './table.ts';

/**
 * `npm run bench` runs every registered suite; `npm run bench -- aoi` runs one; `--json FILE` writes the
 * results (one suite: that suite's object; several: an array of them); `--quick` asks the suites that
 * have one for their shorter plan.
 */
async function main(argv: string[]): Promise<void> {
  let jsonPath: string | undefined;
  let quick = false;
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') jsonPath = argv[++i];
    else if (argv[i] === '--quick') quick = true;
    else names.push(argv[i]);
  }
  const unknown = names.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(`unknown suite(s) ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}`);
  }
  const chosen = names.length === 0 ? SUITES : SUITES.filter((s) => names.includes(s.name));
  const results: SuiteResult[] = [];
  for (const suite of chosen) {
    const started = performance.now();
    console.log(`\n== ${suite.name}: ${suite.description}`);
    const result = await suite.run((line) => console.log(`  ${line}`), { quick });
    addRatios(result.rows, suite.workloadColumns);
    console.log(`\n${suite.format ? suite.format(result.rows) : formatTable(result.rows, suite.workloadColumns)}`);
    console.log(`(${suite.name} took ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    results.push(result);
  }
  if (jsonPath !== undefined) {
    writeFileSync(jsonPath, `${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
    console.log(`wrote ${jsonPath}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
