import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const nativeDir = join(import.meta.dirname, '..', '..', 'native');
const headers = join(process.env.NODE_INCLUDE ?? '/usr/include/node', 'node_api.h');

async function has(cmd: string): Promise<boolean> {
  return run('sh', ['-c', `command -v ${cmd}`]).then(() => true, () => false);
}
const canBuild = existsSync(headers) && (await has(process.env.CXX ?? 'g++')) && (await has('objdump'));

/**
 * The functions of a binary that use vector registers (%ymm / %zmm): what an older CPU cannot run, so in a
 * portable build only the pair loops picked at run time from the CPU's features may hold them.
 */
async function vectorFunctions(file: string): Promise<Set<string>> {
  const { stdout } = await run('objdump', ['-d', '-C', file], { maxBuffer: 64 << 20 });
  const found = new Set<string>();
  let fn = '';
  for (const line of stdout.split('\n')) {
    const label = /^[0-9a-f]+ <(.*)>:$/.exec(line);
    if (label !== null) fn = label[1];
    else if (/%[yz]mm\d/.test(line)) found.add(fn);
  }
  return found;
}

/** The vector level the CPU offers, as the addon numbers them: 0 scalar, 1 AVX2, 2 AVX-512. */
function cpuLevel(): number {
  const flags = readFileSync('/proc/cpuinfo', 'utf8');
  return /\bavx512f\b/.test(flags) ? 2 : /\bavx2\b/.test(flags) ? 1 : 0;
}

/** native/build.sh in a copy of native/, so the addon the other tests load is never rewritten under them. */
async function build(env: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tsworld-native-'));
  dirs.push(dir);
  for (const f of ['build.sh', 'aoi-grid.cc']) copyFileSync(join(nativeDir, f), join(dir, f));
  await run('sh', [join(dir, 'build.sh')], { env: { ...process.env, ...env }, timeout: 120_000 });
  return join(dir, 'build', 'aoi_grid.node');
}
const dirs: string[] = [];

describe.skipIf(!canBuild)('native AOI kernel build', () => {
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('is portable by default: vector registers only in the kernels chosen at run time, and it loads', async () => {
    const addon = await build({ AOI_NATIVE_ARCH: '' });
    const withVectors = [...(await vectorFunctions(addon))];
    // The convention the addon keeps: only functions named ...Avx2 / ...Avx512 hold vector code, and
    // they are only called after the run-time CPU check.
    for (const fn of withVectors) expect(fn).toMatch(/[a-z]Avx(2|512)\(/);
    const kernels = createRequire(import.meta.url)(addon) as Record<string, unknown>;
    for (const name of ['classify', 'scatter', 'scatterCoherent', 'scatterIncremental', 'sweep', 'moveMany', 'commit', 'simdLevel', 'simdAuto']) {
      expect(typeof kernels[name]).toBe('function');
    }
  });

  it('picks the best vector level this CPU has at run time', async (ctx) => {
    if (process.arch !== 'x64') ctx.skip();
    const addon = await build({ AOI_NATIVE_ARCH: '' });
    expect([...(await vectorFunctions(addon))].map((f) => /[a-z]+Avx\d+/.exec(f)?.[0]).sort()).toEqual([
      'classifyAvx2',
      'sweepAvx2',
      'sweepAvx512',
    ]);
    const kernels = createRequire(import.meta.url)(addon) as { simdLevel(): number; simdAuto(): number };
    expect(kernels.simdLevel()).toBe(cpuLevel());
    expect(kernels.simdAuto()).toBe(Math.min(cpuLevel(), 1));
  });
});

if (!canBuild) {
  describe('native AOI kernel build', () => {
    // Skipped where the toolchain is missing (a machine without build tools); in CI, which has them, a
    // missing one is a failure rather than a silent skip.
    it.skipIf(!process.env.CI)(`needs ${process.env.CXX ?? 'g++'}, objdump and ${headers}`, () => {
      throw new Error(`${process.env.CXX ?? 'g++'}, objdump or ${headers} is missing on this CI machine`);
    });
  });
}
