import { watch } from 'chokidar';
import { dirname, relative, sep } from 'node:path';
import { reloadCommand } from './commands/reload.ts';

/**
 * Dev mode: every save under the game module's directory becomes an in-place reload of every game (a
 * schema change falls back to a process swap, as `tsworld reload --in-place` does). Bursts of events
 * from one save are coalesced, and reloads never overlap. chokidar, not Node's recursive fs.watch: on
 * Node 20 that loses a file for good once an editor saves it by writing a new file and renaming it over
 * the old one, so the second save went unseen.
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
  const skipped = (path: string): boolean =>
    /(^|[\\/])(node_modules|\.tsworld|\.git)([\\/]|$)/.test(relative(dir, path)) || ignore.some((d) => path === d || path.startsWith(d + sep));
  // atomic: an editor's delete-and-recreate within 100 ms is one change, not an unlink and an add.
  const watcher = watch(dir, { ignoreInitial: true, atomic: true, ignored: skipped });
  watcher.on('all', () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), 250);
  });
  watcher.on('error', (err) => say(`watching ${dir}: ${(err as Error).message}`));
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      void watcher.close();
    },
  };
}
