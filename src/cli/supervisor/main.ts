import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/index.ts';
import { openLogFile } from '../../observability/log-file.ts';
import { readRunState } from '../run-state.ts';
import { startDetached } from './start-detached.ts';
import { supervise } from './supervise.ts';

/**
 * The supervisor process a daemonized `tsworld start` leaves behind (one per host). Its log is JSON
 * lines, like the roles'. It exits when the deployment's run file is gone (stopped) or on SIGTERM,
 * which `tsworld stop` sends first, so nothing it watches is started again while the rest stops.
 */
const { values } = parseArgs({ options: { config: { type: 'string' }, host: { type: 'string' }, 'log-file': { type: 'string' } } });
if (!values.config) throw new Error('missing --config <path>');
const configPath = values.config;
const config = loadConfig(configPath);
const host = values.host;
// Its own file, rotated like the roles' (logging.maxFileBytes, logging.maxFiles).
const log = openLogFile(values['log-file'] ?? join(config.logging.dir, host === undefined ? 'supervisor.log' : `supervisor-${host}.log`), {
  maxBytes: config.logging.maxFileBytes,
  maxFiles: config.logging.maxFiles,
});

function line(event: string, fields: Record<string, unknown>): void {
  log.write(`${JSON.stringify({ time: Date.now(), role: 'supervisor', event, ...fields })}\n`);
}
const supervisor = supervise({
  config,
  ...(host === undefined ? {} : { host }),
  start: (record) => startDetached(configPath, config.logging.dir, record),
  say: line,
});
line('supervising', { deployment: config.deployment, ...(host === undefined ? {} : { host }), pid: process.pid, ...config.supervision });
const stop = (why: string) => {
  supervisor.stop();
  line('stopped', { why });
  process.exit(0);
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
// The deployment was stopped (or killed) by other means: nothing left to watch.
setInterval(() => {
  if (!readRunState(config.baseDir, host)) stop('the run file is gone');
}, 1000);
