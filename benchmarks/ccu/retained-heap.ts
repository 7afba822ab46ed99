import { controlAsk } from '../../src/cli/control-client.ts';
import { runDir } from '../../src/cli/run-state.ts';
import { controlSocketPath } from '../../src/roles/shared/control-channel.ts';

/**
 * Each process's V8 heap in use after a full collection, by process name ('game1'), through the roles'
 * `heap` control request. Unlike RSS it holds only what is retained: RSS also carries how far V8 grew
 * its young generation while the clients connected, which varies by tens of MB from run to run.
 */
export async function retainedHeaps(deploymentDir: string, names: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of names) {
    const match = /^([a-z]+)(\d+)$/.exec(name);
    if (match === null) throw new Error(`not a role process name: ${name}`);
    const answer = await controlAsk(controlSocketPath(runDir(deploymentDir), match[1]!, Number(match[2])), { cmd: 'heap' }, 60_000);
    out[name] = Number(answer['usedHeapBytes']);
  }
  return out;
}
