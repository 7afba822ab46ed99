import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchRow, BenchSuite } from '../bench-types.ts';
import { aoiImpls, MOVING, SIZES } from './aoi-impls.ts';
import { RADIUS, WORLD } from './random-walk.ts';

const WORKER = fileURLToPath(new URL('./aoi-worker.ts', import.meta.url));

/** Runs aoi-worker.ts for one implementation (sequentially: the cores are shared) and collects rows. */
function runWorker(impl: string, log: (line: string) => void): Promise<BenchRow[]> {
  return new Promise((resolve, reject) => {
    // execArgv carries the tsx loader this runner was started with.
    const child = spawn(process.execPath, [...process.execArgv, WORKER, impl], { stdio: ['ignore', 'pipe', 'pipe'] });
    const rows: BenchRow[] = [];
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        rows.push(JSON.parse(out.slice(0, nl)) as BenchRow);
        out = out.slice(nl + 1);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
      let nl: number;
      while ((nl = err.indexOf('\n')) >= 0) {
        log(err.slice(0, nl));
        err = err.slice(nl + 1);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(rows);
      else reject(new Error(`aoi worker for ${impl} exited with ${code}: ${err}`));
    });
  });
}

export const aoiSuite: BenchSuite = {
  name: 'aoi',
  description: `AOI update per tick: ${WORLD}x${WORLD} world, radius ${RADIUS}, random walk 5 units/tick; timed: moveMany + update() (the walk's step runs untimed before each)`,
  workloadColumns: ['entities', 'moving'],
  async run(log) {
    const impls = aoiImpls();
    if (!impls.some((i) => i.name === 'grid-native')) log('grid-native: not built (native/build.sh), skipped');
    const rows: BenchRow[] = [];
    for (const impl of impls) rows.push(...(await runWorker(impl.name, log)));
    const order = (r: BenchRow) =>
      SIZES.indexOf(r.entities as number) * 1e4 + MOVING.indexOf(r.moving as number) * 100 + impls.findIndex((i) => i.name === r.impl);
    rows.sort((a, b) => order(a) - order(b));
    return { suite: 'aoi', rows };
  },
};
