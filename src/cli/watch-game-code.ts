import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { reloadCommand } from './commands/reload.ts';

/**
 * Dev mode: every save under the game module's directory becomes an in-place reload of every game (a
 * schema change falls back to a process swap, as `tsworld reload --in-place` does). Bursts of events
 * from one save are coalesced, and reloads never overlap.
 */
export function watchGameCode(entry: string, deploymentArg: string, say: (line: string) => void): FSWatcher {
  const dir = dirname(entry);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let again = false;

  const reload = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    say(`change under ${dir}: reloading in place`);
    const code = await reloadCommand(deploymentArg, { resume: false, inPlace: true }).catch((err: unknown) => {
      say(`reload failed: ${(err as Error).message}`);
      return 1;
    });
    if (code !== 0) say('reload failed; fix the code and save again');
    running = false;
    if (again) {
      again = false;
      void reload();
    }
  };

  say(`watching ${dir} for changes (hot swap in place)`);
  return watch(dir, { recursive: true }, (_event, file) => {
    if (file && /(^|\/)(node_modules|\.tsworld)(\/|$)/.test(file)) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), 250);
  });
}
