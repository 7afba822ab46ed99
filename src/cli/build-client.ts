import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_EXT } from '../core/engine-files.ts';

const clientEntry = join(dirname(dirname(fileURLToPath(import.meta.url))), 'client', `index${ENGINE_EXT}`);

/**
 * Bundles the client SDK (src/client) into one browser ES module, so an example page can
 * `import { connectClient } from './tsworld-client.js'` with no build tooling of its own.
 */
export async function buildBrowserClient(outFile: string): Promise<void> {
  await build({
    entryPoints: [clientEntry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: outFile,
    sourcemap: true,
    logLevel: 'warning',
  });
}
