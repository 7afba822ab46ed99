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

/** Vector-register instructions in a binary: what -march=native brings in and an older CPU cannot run. */
async function vectorOps(file: string): Promise<number> {
  const { stdout } = await run('objdump', ['-d', file], { maxBuffer: 64 << 20 });
  return stdout.split('\n').filter((l) => /%[yz]mm\d/.test(l)).length;
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

  it('is portable by default: no AVX2/AVX-512 registers, and it loads', async () => {
    const addon = await build({ AOI_NATIVE_ARCH: '' });
    expect(await vectorOps(addon)).toBe(0);
    const kernels = createRequire(import.meta.url)(addon) as Record<string, unknown>;
    for (const name of ['classify', 'scatter', 'scatterCoherent', 'scatterIncremental', 'sweep']) expect(typeof kernels[name]).toBe('function');
  });

  it('uses this CPU\'s vector units only when asked (AOI_NATIVE_ARCH=-march=native)', async (ctx) => {
    if (!/\bavx2\b/.test(readFileSync('/proc/cpuinfo', 'utf8'))) ctx.skip();
    const addon = await build({ AOI_NATIVE_ARCH: '-march=native' });
    expect(await vectorOps(addon)).toBeGreaterThan(0);
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
