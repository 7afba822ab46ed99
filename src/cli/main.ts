import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { botsCommand } from './commands/bots.ts';
import { initCommand, INIT_TEMPLATES } from './commands/init.ts';
import { killCommand } from './commands/kill.ts';
import { reloadCommand } from './commands/reload.ts';
import { restartCommand } from './commands/restart.ts';
import { startCommand } from './commands/start.ts';
import { statusCommand } from './commands/status.ts';
import { stopCommand } from './commands/stop.ts';

/** The package's version: this file is src/cli/main.ts, or dist/cli/main.js once compiled. */
function version(): string {
  const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

const DIR_HELP = 'deployment directory holding tsworld.config.json';
const HOST_HELP = "only the processes of host NAME (the config's hosts section)";

function seconds(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError(`expects a number of seconds, got '${value}'`);
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!(Number.isSafeInteger(n) && n > 0)) throw new InvalidArgumentError(`expects a positive integer, got '${value}'`);
  return n;
}

function rate(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n >= 0)) throw new InvalidArgumentError(`expects a rate per second (0 or more), got '${value}'`);
  return n;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

type Run = (code: Promise<number> | number) => void;

interface BotsFlags {
  count: number;
  seconds: number;
  moveHz: number;
  rpcHz: number;
  seed: number;
  drain: number;
  url?: string[];
  channel?: string[];
  login?: string;
}

function botsVerb(program: Command, run: Run): void {
  program
    .command('bots')
    .description("the bot swarm against a running deployment: connect, move and call, then wait for every reply; prints a JSON report, exits 1 on a missing, duplicated or out-of-order reply, a dropped bot or a server error")
    .argument('[dir]', DIR_HELP, '.')
    .option('--count <n>', 'bots', positiveInt, 50)
    .option('--seconds <sec>', 'how long they send', seconds, 10)
    .option('--move-hz <hz>', 'position updates per second per bot', rate, 5)
    .option('--rpc-hz <hz>', 'calls per second per bot and channel', rate, 2)
    .option('--seed <n>', 'seeds the walks and send phases', positiveInt, 1)
    .option('--drain <sec>', 'how long to wait for the replies owed once sending stops', seconds, 15)
    .option('--url <ws-url>', "a gate's WebSocket URL (repeatable; default every gate in the config)", collect)
    .option('--channel <name=method:reply>', 'a call and its reply, e.g. echo=echo:onEcho (repeatable; replaces the mmo defaults echo and crossCall)', collect)
    .option('--login <module>', "a module default-exporting (client, index) => Promise<void>, each bot's login flow before it plays")
    .action((dir: string, o: BotsFlags) =>
      run(botsCommand(dir, {
        count: o.count,
        seconds: o.seconds,
        moveHz: o.moveHz,
        rpcHz: o.rpcHz,
        seed: o.seed,
        drainMs: o.drain * 1000,
        ...(o.url === undefined ? {} : { urls: o.url }),
        ...(o.channel === undefined ? {} : { channels: o.channel }),
        ...(o.login === undefined ? {} : { login: o.login }),
      }, (text) => process.stdout.write(`${text}\n`))));
}

function deploymentVerbs(program: Command, run: Run): void {
  program
    .command('start')
    .description('start dispatchers, then games, then gates (daemonized); prints the gate URLs')
    .argument('[dir]', DIR_HELP, '.')
    .option('--foreground', 'stay attached: stream logs, Ctrl-C stops every process')
    .option('--watch', 'with --foreground: hot swap the game code in place whenever a file of it changes')
    .option('--host <name>', `start ${HOST_HELP}, after the dispatchers on other hosts answer; its own run file and supervisor`)
    .option('--wait <sec>', 'with --host: how long to wait for those dispatchers (default 120)', seconds)
    .action((dir: string, o: { foreground?: boolean; watch?: boolean; host?: string; wait?: number }, cmd: Command) => {
      if (o.watch && !o.foreground) cmd.error('tsworld start: --watch needs --foreground', { exitCode: 2 });
      if (o.wait !== undefined && o.host === undefined) cmd.error('tsworld start: --wait applies only with --host', { exitCode: 2 });
      run(startCommand(dir, {
        foreground: o.foreground ?? false,
        watch: o.watch ?? false,
        ...(o.host === undefined ? {} : { host: o.host }),
        ...(o.wait === undefined ? {} : { waitMs: o.wait * 1000 }),
      }));
    });
  program
    .command('stop')
    .description('stop gates, then games, then dispatchers, gracefully')
    .argument('[dir]', DIR_HELP, '.')
    .option('--host <name>', HOST_HELP)
    .action((dir: string, o: { host?: string }) => run(stopCommand(dir, o.host)));
  program
    .command('kill')
    .description('force-kill every process of the deployment')
    .argument('[dir]', DIR_HELP, '.')
    .option('--host <name>', HOST_HELP)
    .action((dir: string, o: { host?: string }) => run(killCommand(dir, o.host)));
  program
    .command('status')
    .description("show the deployment's processes, restarts and uptime; with hosts, every host's as the dispatchers see them; exits 1 while one is down")
    .argument('[dir]', DIR_HELP, '.')
    .option('--json', 'machine-readable output')
    .option('--host <name>', `and the run file of host NAME`)
    .action((dir: string, o: { json?: boolean; host?: string }) =>
      run(statusCommand(dir, { json: o.json ?? false, ...(o.host === undefined ? {} : { host: o.host }) })));
  program
    .command('restart')
    .description('stop one process (e.g. game1) gracefully and start it again; the rest keep running')
    .argument('[dir]', DIR_HELP, '.')
    .argument('[name]', 'the process, e.g. game1')
    .option('--host <name>', 'a process of host NAME')
    .action((dir: string, name: string | undefined, o: { host?: string }) => run(restartCommand(dir, name, o.host)));
  program
    .command('reload')
    .description('hot swap every game in turn: freeze, snapshot, restore with the new code; clients stay connected and no message is lost')
    .argument('[dir]', DIR_HELP, '.')
    .option('--resume', 'restore games whose reload failed (after fixing the code), from their snapshots')
    .option('--in-place', 'swap code inside the running games (no restart; tick held a few ms); a schema change falls back to the process swap')
    .option('--no-rollback', 'keep new code that fails its probation running (by default it goes back to the previous code)')
    .option('--host <name>', 'reload only the games of host NAME')
    .action((dir: string, o: { resume?: boolean; inPlace?: boolean; rollback: boolean; host?: string }) =>
      run(reloadCommand(dir, {
        resume: o.resume ?? false,
        inPlace: o.inPlace ?? false,
        rollback: o.rollback,
        ...(o.host === undefined ? {} : { host: o.host }),
      })));
}

function program(run: Run): Command {
  const cli = new Command('tsworld')
    .description('a distributed game-server engine: dispatchers, games and gates')
    .version(version(), '-v, --version')
    .showSuggestionAfterError()
    .showHelpAfterError('(tsworld <command> --help for its options)')
    .exitOverride();
  cli
    .command('init')
    .description('create a game project in dir (package.json, tsconfig, tsworld.config.json, game/, www/, test/)')
    .argument('<dir>', 'the directory to create (it must be new or empty)')
    .addOption(new Option('--template <name>', 'a copy of an example instead of the starter game').choices(INIT_TEMPLATES).default('default'))
    .action((dir: string, o: { template: string }) => run(initCommand(dir, o.template, (line) => process.stdout.write(`${line}\n`))));
  // Verbs inherit exitOverride and the suggestions, so their usage errors end in main() as well.
  deploymentVerbs(cli, run);
  botsVerb(cli, run);
  return cli;
}

/** Runs one CLI command and returns the exit code; never calls process.exit so it can run in tests. */
export async function main(argv: string[]): Promise<number> {
  let result: Promise<number> | number = 0;
  let ran = false;
  const cli = program((code) => {
    ran = true;
    result = code;
  });
  try {
    await cli.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // Help and --version end here with code 0; a usage mistake (unknown verb or flag, a missing or bad argument) with 2.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (!ran) {
    cli.outputHelp({ error: true });
    return 2;
  }
  const verb = argv.find((a) => !a.startsWith('-')) ?? '';
  try {
    return await result;
  } catch (err) {
    process.stderr.write(`tsworld ${verb}: ${(err as Error).message}\n`);
    return 1;
  }
}
