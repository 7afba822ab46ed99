import { aoiImpls, measureRow, MOVING, SIZES } from './aoi-impls.ts';

/**
 * Times ONE implementation at every size, in its own process (started by aoi-suite.ts): each index then
 * gets its own JIT feedback (a shared `aoi.move` call site turns megamorphic across implementations and
 * slows whichever runs later) and its own heap. Rows go to stdout as JSON lines, progress to stderr.
 */
async function main(name: string | undefined): Promise<void> {
  const impl = aoiImpls().find((i) => i.name === name);
  if (impl === undefined) throw new Error(`unknown AOI implementation ${name}`);
  for (const n of SIZES) {
    if (n > impl.maxEntities) continue;
    for (const moving of MOVING) {
      const row = await measureRow(impl, n, moving);
      process.stderr.write(`${impl.name.padEnd(12)} n=${n} moving=${moving}: median ${row.msPerTick.toFixed(3)} ms, mean ${row.meanMs.toFixed(3)}, p95 ${row.p95Ms.toFixed(3)} (${row.samples} ticks)\n`);
      process.stdout.write(`${JSON.stringify(row)}\n`);
    }
  }
}

main(process.argv[2]).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
