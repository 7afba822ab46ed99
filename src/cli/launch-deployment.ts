import { join } from 'node:path';
import type { DeploymentConfig } from '../config/index.ts';
import { buildBrowserClient } from './build-client.ts';
import { clearRunState, isOurProcess, readRunState, START_ORDER, writeRunState, type ProcessRecord, type Role } from './run-state.ts';
import { keepCode } from './probation.ts';
import { spawnRole, type SpawnedRole } from './spawn-role.ts';
import { stopProcesses } from './stop-processes.ts';

function idsOf(config: DeploymentConfig, role: Role): number[] {
  const list = role === 'dispatcher' ? config.dispatchers : role === 'game' ? config.games : config.gates;
  return list.map((p) => p.id);
}

/**
 * Starts a deployment's processes: dispatchers, then games, then gates, each group only once the previous
 * one is ready. A failure stops whatever was started and reports why (null), so no half-deployment is left.
 */
export async function launchDeployment(args: {
  config: DeploymentConfig;
  configPath: string;
  dir: string;
  foreground: boolean;
  say: (line: string) => void;
  prefixer: (name: string) => (chunk: Buffer) => void;
}): Promise<{ started: ProcessRecord[]; children: SpawnedRole[] } | null> {
  const { config, configPath, dir, foreground, say, prefixer } = args;
  const deploymentDir = config.baseDir;
  const previous = readRunState(deploymentDir);
  if (previous) {
    const alive = (await Promise.all(previous.processes.map(isOurProcess))).some(Boolean);
    if (alive) {
      process.stderr.write(
        `tsworld start: deployment '${previous.deployment}' is already running in ${deploymentDir} ` +
          `(see 'tsworld status ${dir}'; stop it with 'tsworld stop ${dir}')\n`,
      );
      return null;
    }
    clearRunState(deploymentDir);
  }

  const started: ProcessRecord[] = [];
  const children: SpawnedRole[] = [];
  say(`starting deployment '${config.deployment}' from ${configPath}`);
  // A gate that serves a page also serves the client SDK next to it, built from this checkout's sources.
  for (const dirToServe of new Set(config.gates.map((g) => g.staticDir).filter((d): d is string => d !== undefined))) {
    await buildBrowserClient(join(dirToServe, 'tsworld-client.js'));
    say(`  built ${join(dirToServe, 'tsworld-client.js')}`);
  }

  try {
    for (const role of START_ORDER) {
      const ids = idsOf(config, role);
      // allSettled: when one process of a group fails, wait for its siblings too, so every process that
      // did start is known and stopped, and none is left running unsupervised.
      const settled = await Promise.allSettled(
        ids.map(async (id) => {
          const logFile = join(config.logging.dir, `${role}${id}.log`);
          const child = await spawnRole({
            role,
            id,
            configPath,
            logFile,
            foreground: foreground,
            readyTimeoutMs: 30_000,
            onOutput: foreground ? prefixer(`${role}${id}`) : undefined,
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
          return record;
        }),
      );
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      const spawned = settled.map((r) => (r as PromiseFulfilledResult<ProcessRecord>).value);
      writeRunState(deploymentDir, { deployment: config.deployment, configPath, processes: started });
      say(`  ${role}${ids.length > 1 ? 's' : ''} ready: ${spawned.map((r) => `${r.role}${r.id} (pid ${r.pid})`).join(', ')}`);
    }
    // What the games run now, kept for a reload that has to roll back: by then the disk holds new code.
    const code = await keepCode(config, say);
    for (const record of started) if (record.role === 'game' && code) record.code = code;
    writeRunState(deploymentDir, { deployment: config.deployment, configPath, processes: started });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    say('stopping what was started');
    await stopProcesses(started, 5_000, say);
    clearRunState(deploymentDir);
    return null;
  }

  return { started, children };
}
