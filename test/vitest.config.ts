import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Two projects, both run by `npm test`:
 * - fast: unit and contract tests, in-process only (a setup file makes starting a process fail);
 *   `npm run test:fast` runs just these.
 * - slow: whatever starts real processes: integration, e2e, the fuzz suite, and the few unit/contract
 *   files that need a second process (a fresh module graph, a two-process storage race).
 */
const NEEDS_PROCESSES = [
  'test/unit/hotswap/module-reload.test.ts',
  'test/unit/hotswap/module-reload-swap.test.ts',
  'test/unit/examples/chatroom-password-pool.test.ts',
  'test/unit/examples/chatroom-reload.test.ts',
  'test/contract/storage-kv.test.ts',
  // Starts its own redis-server (test/support/redis-server.ts) in beforeAll.
  'test/contract/storage-redis.test.ts',
  // The handlers are process-wide: each case runs in a child.
  'test/unit/roles/shared/fatal-handlers.test.ts',
  // V8's hidden-class check needs --allow-natives-syntax: it runs in a child.
  'test/unit/protocol/spec-shapes.test.ts',
];

/**
 * Tests run the engine from its sources: `tsworld` (the examples import it by package self-reference)
 * must resolve to src/, not to the compiled dist/ (package.json exports, condition tsworld-source), both
 * here and in every process a test starts (NODE_OPTIONS is inherited).
 */
const SOURCE_CONDITION = 'tsworld-source';
const SOURCE_FLAG = `--conditions=${SOURCE_CONDITION}`;
if (!(process.env.NODE_OPTIONS ?? '').includes(SOURCE_FLAG)) {
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} ${SOURCE_FLAG}`.trim();
}

export default defineConfig({
  // The config lives under test/ because the repository's top level is fixed; tests are found from the root.
  root: fileURLToPath(new URL('..', import.meta.url)),
  resolve: { conditions: [SOURCE_CONDITION, 'module', 'node', 'development|production'] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, 'module', 'node', 'development|production'] } },
  test: {
    // Integration and e2e tests start real processes; give them room on a loaded 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'fast',
          include: ['test/unit/**/*.test.ts', 'test/contract/**/*.test.ts'],
          exclude: NEEDS_PROCESSES,
          setupFiles: ['test/support/no-child-process.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'slow',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/fuzz/**/*.test.ts', ...NEEDS_PROCESSES],
        },
      },
    ],
  },
});
