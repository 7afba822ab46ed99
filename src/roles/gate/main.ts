import { createEntityIdGenerator } from '../../core/entity-id.ts';
import { selectClientTransport } from '../../transport/index.ts';
import { runDir } from '../../cli/run-state.ts';
import { PING_HANDLER, controlSocketPath, startControlServer } from '../shared/control-channel.ts';
import { HEAP_HANDLER } from '../shared/heap-stats.ts';
import { roleContext } from '../shared/role-context.ts';
import { systemRuntime } from '../shared/runtime.ts';
import { notifyReady, onShutdown, runMain } from '../shared/role-process.ts';
import { startGateServer } from './gate-server.ts';
import { resumeKey } from './resume-key.ts';
import { createResumeTokens } from './resume-token.ts';

runMain(async () => {
  const { args, config, self, log, codec, metrics } = await roleContext('gate', (c) => c.gates);
  const transport = await selectClientTransport('auto', {
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
  });
  const gate = await startGateServer({
    id: self.id,
    host: self.host,
    port: self.port,
    dispatchers: config.dispatchers,
    transport,
    codec,
    log,
    ids: createEntityIdGenerator(),
    limits: { ...self, maxDepth: self.maxArgDepth, maxElements: self.maxArgElements },
    staticDir: self.staticDir,
    links: config.links,
    reconnectQueue: config.links,
    runtime: systemRuntime(),
    liveness: config.liveness,
    clusterSecret: config.cluster.secret,
    resumeTokens: createResumeTokens(resumeKey(config.cluster.secret, runDir(config.baseDir))),
    onFatal: (reason) => {
      log.fatal({ reason }, 'gate exiting');
      void log.flush().finally(() => process.exit(1));
    },
    metrics,
  });
  // The supervisor's ping: a gate that stops answering is hung, and is killed and restarted.
  const control = await startControlServer(controlSocketPath(runDir(config.baseDir), 'gate', self.id), { ...PING_HANDLER, ...HEAP_HANDLER }, log);
  let stopping = false;
  metrics.setReadiness(() => (stopping ? 'stopping' : null));
  onShutdown(args.foreground, async (reason) => {
    stopping = true;
    log.info({ reason }, 'gate stopping');
    control.close();
    await gate.stop();
  });
  notifyReady({ url: gate.url });
});
