import type { ProcessLogger } from '../../observability/index.ts';
import { loadConfig, type DeploymentConfig, type ProcessConfig } from '../../config/index.ts';
import { createLogger, createMetrics, type Metrics } from '../../observability/index.ts';
import { createPackr, createWireCodec, type WireCodec } from '../../protocol/index.ts';
import type { Role } from '../../cli/run-state.ts';
import { installFatalHandlers } from './fatal-handlers.ts';
import { parseRoleArgs, type RoleArgs } from './role-process.ts';
import { join } from 'node:path';
import { Counter } from 'prom-client';

/** What every role's main() needs: its args, the deployment, its own config entry, a logger, a codec. */
export interface RoleContext<C extends ProcessConfig> {
  args: RoleArgs;
  config: DeploymentConfig;
  self: C;
  log: ProcessLogger;
  codec: WireCodec;
  /** Prometheus metrics; served on <metricsHost>:<metricsPort> when the config gives this process a port. */
  metrics: Metrics;
  /**
   * Serves the metrics port now. Done by roleContext itself, except for a hot-swap successor: its
   * predecessor holds the port until it has frozen, and hands it over then (see serveMetricsWhenFree).
   */
  serveMetrics(): Promise<void>;
}

export async function roleContext<C extends ProcessConfig>(
  role: Role,
  pick: (config: DeploymentConfig) => readonly C[],
): Promise<RoleContext<C>> {
  const args = parseRoleArgs(process.argv.slice(2));
  const config = await loadConfig(args.configPath);
  const self = pick(config).find((p) => p.id === args.id);
  if (!self) throw new Error(`${args.configPath} has no ${role} with id ${args.id}`);
  // Every role writes its own JSON-lines file, rotated by size; in the foreground it also prints readable
  // lines, which the CLI streams (coloured when the CLI's terminal is a TTY).
  const metrics = createMetrics({ role, id: args.id });
  const rotations = logRotationCounter(metrics);
  const { dir, maxFileBytes, maxFiles } = config.logging;
  const log = createLogger({
    role, id: args.id, level: self.logLevel,
    file: args.logFile ?? join(dir, `${role}${args.id}.log`),
    rotation: { maxBytes: maxFileBytes, maxFiles, onRotate: () => rotations.inc() },
    pretty: args.foreground, color: args.color,
  });
  installFatalHandlers(log);
  const serveMetrics = async () => {
    if (self.metricsPort === undefined) return;
    const at = await serveMetricsWhenFree(metrics, self.metricsHost, self.metricsPort);
    log.info({ metrics: `http://${at.host}:${at.port}/metrics` }, 'serving metrics');
  };
  if (!args.restore) await serveMetrics();
  return { args, config, self, log, codec: createWireCodec({ packr: createPackr() }), metrics, serveMetrics };
}

/**
 * Binds the metrics port, retrying for a moment while it is still taken: in a hot swap the frozen
 * predecessor closes it just before it answers the freeze, and its socket can take a beat to go.
 * (SO_REUSEPORT would let both bind at once, but Node 20's net has no reusePort.)
 */
async function serveMetricsWhenFree(metrics: Metrics, host: string, port: number): Promise<{ host: string; port: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await metrics.serve({ host, port });
    } catch (err) {
      if (attempt >= 100) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Log-file rotations of this process (a limit of `logging.maxFileBytes` reached). */
function logRotationCounter(metrics: Metrics): Counter {
  return new Counter({ name: 'tsworld_log_rotations_total', help: 'Times this process rotated its log file (logging.maxFileBytes).', registers: [metrics.registry] });
}
