import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';

/**
 * Setup of the `fast` test project: starting a process fails the test that tries. Fast tests are unit
 * and contract tests on in-process parts (createTestCluster for whole clusters); anything that needs a
 * real process belongs in the `slow` project (test/vitest.config.ts lists which).
 */
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const) {
  (childProcess as unknown as Record<string, unknown>)[name] = () => {
    throw new Error(`child_process.${name}: the fast test project runs no child process; move this test to the slow project`);
  };
}
syncBuiltinESMExports();
