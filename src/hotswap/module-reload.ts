import { randomUUID } from 'node:crypto';
import { register } from 'node:module';
import { extname, resolve as resolvePath, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { TsworldError } from '../core/errors.ts';
import type { GenerationMessage, ReloadHooksData } from './module-reload-hooks.ts';

export interface ModuleReloaderOptions {
  /** The game code's directory: every module under it is evaluated afresh by `reimport`. */
  readonly rootDir: string;
}

export interface ModuleReloader {
  readonly rootDir: string;
  /** 0 until the first reimport; then the generation the last successful reimport loaded. */
  readonly generation: number;
  /**
   * Starts a new generation and imports `entryPath` (a file under rootDir) in it: the entry and every
   * module under rootDir it reaches are read from disk and evaluated again, while modules outside
   * rootDir (tsworld itself, node_modules) are the ones already loaded, so new entity types still run
   * on the same engine. Reimports are serialised; a failing import (syntax error, throw at top level)
   * rejects with INVALID_STATE and leaves the running code as it was.
   */
  reimport<T = Record<string, unknown>>(entryPath: string): Promise<T>;
}

/**
 * Level-2 hot swap's half that gets new code into a running process (Node 20+, ESM, TypeScript through
 * tsx: the process runs with `--import tsx`). `import()` of a URL it has seen returns the cached
 * module, and a query on the entry alone is not enough because the entry's own imports stay cached.
 * So ESM loader hooks (module-reload-hooks.ts, registered with `module.register`) tag every URL under
 * rootDir with `?tsworld-gen=N`; they run after tsx's resolver, and tsx still compiles the file.
 *
 * What leaks, by design: Node never evicts an ES module, so every generation's modules stay in memory
 * for the life of the process, and loader hooks cannot be unregistered (after the last reimport the
 * hooks keep mapping rootDir to that generation, which is what the process then runs). A few hundred
 * KB per reload is fine for dev and ops reloads; something that reloads thousands of times should use
 * the level-1 process swap, which starts clean.
 *
 * Limits: only ES modules imported through `import` are tagged (a `require()` of game code is cached by
 * CommonJS); code holding an older module's objects (a queued callback, a closure) keeps running that
 * generation's code; two reloaders on overlapping directories would both tag the same files.
 */
export function createModuleReloader(options: ModuleReloaderOptions): ModuleReloader {
  const rootDir = resolvePath(options.rootDir);
  const rootUrl = pathToFileURL(rootDir + sep).href;
  const channel = new MessageChannel();
  const port: MessagePort = channel.port1;
  port.unref();
  // A unique URL per reloader: each registration gets its own instance of the hooks module and its state.
  // The extension follows this file's, so a build to .js (`npm run build`) finds its compiled sibling.
  const ext = extname(new URL(import.meta.url).pathname);
  const hooksUrl = new URL(`./module-reload-hooks${ext}?reloader=${randomUUID()}`, import.meta.url);
  register<ReloadHooksData>(hooksUrl, {
    data: { rootUrl, port: channel.port2 },
    transferList: [channel.port2],
  });

  let generation = 0;
  // Never reused, even after a failed reimport: Node caches a module that failed under its URL.
  let lastTried = 0;
  let queue: Promise<unknown> = Promise.resolve();

  const activate = (gen: number) =>
    new Promise<void>((done) => {
      const onMessage = (msg: GenerationMessage) => {
        if (msg.generation !== gen) return;
        port.off('message', onMessage);
        port.unref();
        done();
      };
      port.on('message', onMessage);
      // Held open only while waiting for the hooks thread to answer.
      port.ref();
      port.postMessage({ generation: gen } satisfies GenerationMessage);
    });

  const load = async <T>(entryPath: string): Promise<T> => {
    const entry = resolvePath(entryPath);
    if (!entry.startsWith(rootDir + sep)) {
      throw new TsworldError('INVALID_ARGUMENT', `${entry} is not under the reloaded directory ${rootDir}`);
    }
    const gen = ++lastTried;
    await activate(gen);
    try {
      const mod = (await import(pathToFileURL(entry).href)) as T;
      generation = gen;
      return mod;
    } catch (cause) {
      // Later imports of game code (a lazy import) must keep getting the generation that works.
      await activate(generation);
      throw new TsworldError('INVALID_STATE', `reimport of ${entry} failed: ${(cause as Error).message}`, { cause });
    }
  };

  return {
    rootDir,
    get generation() {
      return generation;
    },
    reimport<T = Record<string, unknown>>(entryPath: string): Promise<T> {
      const next = queue.then(
        () => load<T>(entryPath),
        () => load<T>(entryPath),
      );
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
