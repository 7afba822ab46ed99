import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONFIG_FILE_NAME } from '../config/index.ts';

/** Every command takes the deployment directory or the config file itself. */
export function resolveConfigPath(dir: string): string {
  const path = resolve(dir);
  return existsSync(path) && statSync(path).isDirectory() ? join(path, CONFIG_FILE_NAME) : path;
}
