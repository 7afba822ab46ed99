import { watch, type FSWatcher } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { reloadCommand } from './commands/reload.ts';

/**
 * Dev mode: every save under the game module's directory becomes an in-place reload of every game (a
 * schema change falls back to a process swap, as `tsworld reload --in-place` does). Bursts of events
 * from one save are coalesced, and reloads never overlap.
 */
export function watchGameCode(
  entry: string,
  deploymentArg: string,
  say: (line: string) => void,
  /** Directories the deployment itself writes (snapshots, logs): changes there are not code. */
  ignore: readonly string[] = [],
): { close(): void } {
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
  let closed = false;
  const watcher: FSWatcher = watch(dir, { recursive: true }, (_event, file) => {
    if (closed || !file || /(^|\/)(node_modules|\.tsworld)(\/|$)/.test(file)) return;
    const path = resolve(dir, file);
    if (ignore.some((d) => path === d || path.startsWith(d + sep))) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), 250);
  });
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      watcher.close();
    },
  };
}
