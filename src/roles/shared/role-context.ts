import type { ProcessLogger } from '../../observability/index.ts';
import { loadConfig, type DeploymentConfig, type ProcessConfig } from '../../config/index.ts';
import { createLogger, createMetrics, type Metrics } from '../../observability/index.ts';
import { createPackr, createWireCodec, type WireCodec } from '../../protocol/index.ts';
import type { Role } from '../../cli/run-state.ts';
import { parseRoleArgs, type RoleArgs } from './role-process.ts';

/** What every role's main() needs: its args, the deployment, its own config entry, a logger, a codec. */
export interface RoleContext<C extends ProcessConfig> {
  args: RoleArgs;
  config: DeploymentConfig;
  self: C;
  log: ProcessLogger;
  codec: WireCodec;
  /** Prometheus metrics; served on 127.0.0.1:<metricsPort> when the config gives this process one. */
  metrics: Metrics;
}

export async function roleContext<C extends ProcessConfig>(
  role: Role,
  pick: (config: DeploymentConfig) => readonly C[],
): Promise<RoleContext<C>> {
  const args = parseRoleArgs(process.argv.slice(2));
  const config = await loadConfig(args.configPath);
  const self = pick(config).find((p) => p.id === args.id);
  if (!self) throw new Error(`${args.configPath} has no ${role} with id ${args.id}`);
  // Daemonized roles write JSON lines to stdout, which the CLI points at the log file; in the foreground
  // the CLI streams them, so they are made readable.
  const log = createLogger({ role, id: args.id, level: self.logLevel, pretty: args.foreground });
  const metrics = createMetrics({ role, id: args.id });
  if (self.metricsPort !== undefined) {
    const at = await metrics.serve({ port: self.metricsPort });
    log.info({ metrics: `http://${at.host}:${at.port}/metrics` }, 'serving metrics');
  }
  return { args, config, self, log, codec: createWireCodec({ packr: createPackr() }), metrics };
}
