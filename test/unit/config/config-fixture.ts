import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { ConfigError, validateConfig } from '../../../src/config/index.ts';

/**
 * A fresh deployment directory per test, with the `./game/main.ts` entry a config must point at;
 * `use` gets its path before each test, and it is removed after.
 */
export function deploymentDirEachTest(prefix: string, use: (dir: string) => void): void {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    mkdirSync(join(dir, 'game'));
    writeFileSync(join(dir, 'game', 'main.ts'), 'export {};\n');
    use(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
}

/** The refusal a config must get; the test fails if it is accepted. */
export function refusalOf(raw: unknown, where: Parameters<typeof validateConfig>[1]): ConfigError {
  try {
    validateConfig(raw, where);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected the config to be refused');
}
