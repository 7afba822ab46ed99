import type { DeploymentConfig } from '../config/index.ts';
import { TsworldError } from '../core/errors.ts';

/**
 * `--host NAME` must name one of the config's hosts; refused with the list otherwise, so a typo never
 * starts (or stops) nothing in silence.
 */
export function checkHostFlag(config: DeploymentConfig, host: string | undefined): void {
  if (host === undefined) return;
  const names = Object.keys(config.hosts);
  if (names.length === 0) {
    throw new TsworldError('INVALID_CONFIG', `--host ${host}: the config has no hosts section (every process runs where 'tsworld start' runs)`);
  }
  if (!Object.hasOwn(config.hosts, host)) throw new TsworldError('INVALID_CONFIG', `--host ${host}: unknown host; this config has ${names.join(', ')}`);
}
