import { parseArgs } from 'node:util';
import { initCommand } from './commands/init.ts';
import { killCommand } from './commands/kill.ts';
import { reloadCommand } from './commands/reload.ts';
import { restartCommand } from './commands/restart.ts';
import { startCommand } from './commands/start.ts';
import { statusCommand } from './commands/status.ts';
import { stopCommand } from './commands/stop.ts';

const USAGE = `usage: tsworld <command> [dir] [options]

commands:
  init <dir>             create a game project in dir (package.json, tsconfig, tsworld.config.json, game/,
                         www/, test/); then npm install, npm start, npm test there
       --template NAME   default, or chatroom / mmo: a copy of that example
  start [dir]            start dispatchers, then games, then gates (daemonized); prints the gate URLs
        --foreground     stay attached: stream logs, Ctrl-C stops every process
        --watch          with --foreground: hot swap the game code in place whenever a file of it changes
        --host NAME      start only the processes of host NAME (the config's hosts section), after the
                         dispatchers on other hosts answer; its own run file and supervisor
        --wait SEC       with --host: how long to wait for those dispatchers (default 120)
  stop [dir]             stop gates, then games, then dispatchers, gracefully (--host NAME: that host's)
  kill [dir]             force-kill every process of the deployment (--host NAME: that host's)
  status [dir] [--json]  show the deployment's processes, restarts and uptime; with hosts, every host's
                         processes as the dispatchers see them (--host NAME: and that host's run file);
                         exits 1 while one is down
  restart [dir] <name>   stop one process (e.g. game1) gracefully and start it again; the rest keep running
                         (--host NAME: a process of that host)
  reload [dir]           hot swap every game in turn: freeze, snapshot, restore with the new code;
                         clients stay connected and no message is lost
         --resume        restore games whose reload failed (after fixing the code), from their snapshots
         --in-place      swap code inside the running games (no restart; tick held a few ms); a schema
                         change falls back to the process swap
         --no-rollback   keep new code that fails its probation running (by default a reload whose new
                         code logs errors within hotswap.probationMs goes back to the previous code)
         --host NAME     reload only the games of host NAME

dir is a deployment directory holding tsworld.config.json (default: the current directory).`;

/** Runs one CLI command and returns the exit code; never calls process.exit so it can run in tests. */
export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        foreground: { type: 'boolean', default: false },
        watch: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        resume: { type: 'boolean', default: false },
        'in-place': { type: 'boolean', default: false },
        'no-rollback': { type: 'boolean', default: false },
        host: { type: 'string' },
        template: { type: 'string' },
        wait: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const [command, dir = '.'] = parsed.positionals;
  const { host } = parsed.values;
  const waitSec = parsed.values.wait === undefined ? undefined : Number(parsed.values.wait);
  if (waitSec !== undefined && !(Number.isFinite(waitSec) && waitSec > 0)) {
    process.stderr.write(`tsworld: --wait expects a number of seconds, got '${parsed.values.wait}'\n`);
    return 2;
  }
  if (parsed.values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined && !parsed.values.help ? 2 : 0;
  }
  try {
    switch (command) {
      case 'init':
        return initCommand(parsed.positionals[1], parsed.values.template ?? 'default', (line) => process.stdout.write(`${line}\n`));
      case 'start':
        if (parsed.values.watch && !parsed.values.foreground) {
          process.stderr.write('tsworld start: --watch needs --foreground\n');
          return 2;
        }
        return await startCommand(dir, {
          foreground: parsed.values.foreground,
          watch: parsed.values.watch,
          ...(host === undefined ? {} : { host }),
          ...(waitSec === undefined ? {} : { waitMs: waitSec * 1000 }),
        });
      case 'stop':
        return await stopCommand(dir, host);
      case 'kill':
        return await killCommand(dir, host);
      case 'reload':
        return await reloadCommand(dir, {
          resume: parsed.values.resume,
          inPlace: parsed.values['in-place'],
          rollback: !parsed.values['no-rollback'],
          ...(host === undefined ? {} : { host }),
        });
      case 'restart':
        return await restartCommand(dir, parsed.positionals[2], host);
      case 'status':
        return await statusCommand(dir, { json: parsed.values.json, ...(host === undefined ? {} : { host }) });
      default:
        process.stderr.write(`tsworld: unknown command '${command}'\n\n${USAGE}\n`);
        return 2;
    }
  } catch (err) {
    process.stderr.write(`tsworld ${command}: ${(err as Error).message}\n`);
    return 1;
  }
}
