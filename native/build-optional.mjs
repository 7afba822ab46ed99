// npm's postinstall: tries to build the optional native AOI kernel. It never fails the install: without
// a compiler or Node's headers the engine runs the TypeScript grid (the reference), which passes the
// same contract suite. Set TSWORLD_NO_NATIVE=1 to skip the build.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (process.env.TSWORLD_NO_NATIVE === '1') {
  console.log('tsworld: native AOI kernel skipped (TSWORLD_NO_NATIVE=1); the TypeScript grid is used');
} else {
  const result = spawnSync('sh', [join(here, 'build.sh')], { encoding: 'utf8' });
  if (result.status === 0) {
    console.log('tsworld: native AOI kernel built (native/build/aoi_grid.node)');
  } else {
    const why = (result.stderr || result.error?.message || 'unknown error').trim().split('\n').slice(-3).join(' | ');
    console.log(`tsworld: native AOI kernel not built (${why}); the TypeScript grid is used`);
  }
}
