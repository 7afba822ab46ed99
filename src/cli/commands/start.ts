import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONFIG_FILE_NAME, loadConfig, type DeploymentConfig } from '../../config/index.ts';
import { clearRunState, isOurProcess, readRunState, START_ORDER, writeRunState, type ProcessRecord, type Role } from '../run-state.ts';
import { spawnRole, type SpawnedRole } from '../spawn-role.ts';
import { stopProcesses } from '../stop-processes.ts';
import { createLinePrefixer } from '../line-prefixer.ts';
import { buildBrowserClient } from '../build-client.ts';
import { EXIT_FROZEN } from '../../roles/shared/role-process.ts';
import { watchGameCode } from '../watch-game-code.ts';

export interface StartOptions {
  foreground: boolean;
  /** Foreground dev mode: edits under the game module's directory are hot swapped in place. */
  watch?: boolean;
  readyTimeoutMs?: number;
}

/** `dir` may be the deployment directory or the config file itself. */
export function resolveConfigPath(dir: string): string {
  const path = resolve(dir);
  return existsSync(path) && statSync(path).isDirectory() ? join(path, CONFIG_FILE_NAME) : path;
}

function idsOf(config: DeploymentConfig, role: Role): number[] {
  const list = role === 'dispatcher' ? config.dispatchers : role === 'game' ? config.games : config.gates;
  return list.map((p) => p.id);
}

/**
 * Starts a deployment: dispatchers, then games, then gates, each group only once the previous one is
 * ready. A failure stops whatever was started and reports why, so no half-deployment is left running.
 */
export async function startCommand(dir: string, opts: StartOptions): Promise<number> {
  const configPath = resolveConfigPath(dir);
  const config = loadConfig(configPath);
  const deploymentDir = config.baseDir;
  const say = (line: string): void => void process.stdout.write(`${line}\n`);

  const previous = readRunState(deploymentDir);
  if (previous) {
    const alive = (await Promise.all(previous.processes.map(isOurProcess))).some(Boolean);
    if (alive) {
      process.stderr.write(
        `tsworld start: deployment '${previous.deployment}' is already running in ${deploymentDir} ` +
          `(see 'tsworld status ${dir}'; stop it with 'tsworld stop ${dir}')\n`,
      );
      return 1;
    }
    clearRunState(deploymentDir);
  }

  const started: ProcessRecord[] = [];
  const children: SpawnedRole[] = [];
  const prefixer = createLinePrefixer(process.stdout);
  const t0 = Date.now();
  say(`starting deployment '${config.deployment}' from ${configPath}`);
  // A gate that serves a page also serves the client SDK next to it, built from this checkout's sources.
  for (const dirToServe of new Set(config.gates.map((g) => g.staticDir).filter((d): d is string => d !== undefined))) {
    await buildBrowserClient(join(dirToServe, 'tsworld-client.js'));
    say(`  built ${join(dirToServe, 'tsworld-client.js')}`);
  }

  try {
    for (const role of START_ORDER) {
      const ids = idsOf(config, role);
      const spawned = await Promise.all(
        ids.map(async (id) => {
          const logFile = join(config.logging.dir, `${role}${id}.log`);
          const child = await spawnRole({
            role,
            id,
            configPath,
            logFile,
            foreground: opts.foreground,
            readyTimeoutMs: opts.readyTimeoutMs ?? 30_000,
            onOutput: opts.foreground ? prefixer(`${role}${id}`) : undefined,
          });
          const record: ProcessRecord = {
            role,
            id,
            pid: child.child.pid!,
            logFile,
            startedAt: new Date().toISOString(),
            ...(child.ready.url ? { url: child.ready.url } : {}),
            ...(child.ready.listen ? { listen: child.ready.listen } : {}),
          };
          started.push(record);
          children.push(child);
          writeRunState(deploymentDir, { deployment: config.deployment, configPath, processes: started });
          return record;
        }),
      );
      say(`  ${role}${ids.length > 1 ? 's' : ''} ready: ${spawned.map((r) => `${r.role}${r.id} (pid ${r.pid})`).join(', ')}`);
    }
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    say('stopping what was started');
    await stopProcesses(started, 5_000, say);
    clearRunState(deploymentDir);
    return 1;
  }

  const urls = started.filter((p) => p.url).sort((a, b) => a.id - b.id).map((p) => p.url!);
  say(`deployment '${config.deployment}' is up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (const url of urls) say(`  open ${url}`);

  if (!opts.foreground) {
    // Detach: the roles outlive this command, as with goworld start.
    for (const { child } of children) {
      child.disconnect();
      child.unref();
      child.stdout?.destroy();
      child.stderr?.destroy();
    }
    say(`logs in ${config.logging.dir}; 'tsworld status ${dir}' shows the processes, 'tsworld stop ${dir}' stops them`);
    return 0;
  }

  const watcher = opts.watch ? watchGameCode(config.entry, dir, say) : undefined;
  say('press Ctrl-C to stop');
  return await new Promise<number>((resolvePromise) => {
    let stopping = false;
    const shutdown = (why: string): void => {
      if (stopping) return;
      stopping = true;
      say(`\n${why}: stopping gates, games, dispatchers`);
      // A reload may have replaced games since start: the run file has the current pids.
      const current = readRunState(deploymentDir)?.processes ?? started;
      watcher?.close();
      void stopProcesses(current, 10_000, say).then(() => {
        clearRunState(deploymentDir);
        say('all processes stopped');
        resolvePromise(0);
      });
    };
    process.once('SIGINT', () => shutdown('Ctrl-C'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    children.forEach(({ child }, i) => {
      const name = `${started[i].role}${started[i].id}`;
      child.once('exit', (code, signal) => {
        if (stopping) return;
        if (code === EXIT_FROZEN) {
          say(`${name} froze for a hot swap; its successor (started by tsworld reload) logs to ${started[i].logFile}`);
          return;
        }
        shutdown(`${name} exited (${signal ?? `code ${code}`})`);
      });
    });
  });
}
