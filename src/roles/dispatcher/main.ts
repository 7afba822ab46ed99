import { notifyReady, onShutdown, runMain } from '../shared/role-process.ts';
import { runDir } from '../../cli/run-state.ts';
import { PING_HANDLER, controlSocketPath, startControlServer } from '../shared/control-channel.ts';
import { HEAP_HANDLER } from '../shared/heap-stats.ts';
import { roleContext } from '../shared/role-context.ts';
import { systemRuntime } from '../shared/runtime.ts';
import { startDispatcher } from './dispatcher.ts';

runMain(async () => {
  const { args, config, self, log, codec, metrics } = await roleContext('dispatcher', (c) => c.dispatchers);
  const dispatcher = await startDispatcher({
    id: self.id,
    host: self.host,
    port: self.port,
    expectedGames: config.games.length,
    expectedGates: config.gates.length,
    codec,
    log,
    freezeQueueMaxFrames: config.hotswap.freezeQueueMaxPackets,
    freezeQueueMaxMs: config.hotswap.freezeQueueMaxMs,
    maxHeldPerEntity: self.maxHeldPerEntity,
    pendingTimeoutMs: self.pendingTimeoutMs,
    unplacedTimeoutMs: self.unplacedTimeoutMs,
    pendingLimits: {
      maxPerSender: self.maxPendingPerSender,
      maxTotal: self.maxPendingTotal,
      maxHeldFrames: self.maxPendingHeldFrames,
      maxHeldBytes: self.maxPendingHeldBytes,
    },
    metrics,
    links: config.links,
    liveness: config.liveness,
    clusterSecret: config.cluster.secret,
    lostEntityTtlMs: self.lostEntityTtlMs,
    runtime: systemRuntime(),
  });
  // The supervisor's ping: a dispatcher that stops answering is hung, and is killed and restarted.
  const control = await startControlServer(controlSocketPath(runDir(config.baseDir), 'dispatcher', self.id), { ...PING_HANDLER, ...HEAP_HANDLER }, log);
  let stopping = false;
  metrics.setReadiness(() => (stopping ? 'stopping' : null));
  // Which games and gates this dispatcher links now: `tsworld status` on any host reads it (a metrics port is needed).
  metrics.serveJson('/cluster', () => dispatcher.cluster());
  onShutdown(args.foreground, async (reason) => {
    stopping = true;
    log.info({ reason }, 'dispatcher stopping');
    control.close();
    await dispatcher.close();
  });
  notifyReady({ listen: `${dispatcher.host}:${dispatcher.port}` });
});
