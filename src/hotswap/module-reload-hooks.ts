import type { InitializeHook, ResolveHook } from 'node:module';
import type { MessagePort } from 'node:worker_threads';

/**
 * ESM loader hooks for createModuleReloader (module-reload.ts). They run on Node's loader thread, not
 * the main one, so the only way in is the MessagePort handed over in `initialize`.
 *
 * The state below is module-level because loader hooks are module exports: there is no object to hang
 * it on. It is still one reloader's state only: each reloader registers this file under its own URL
 * (a unique query), so each gets its own instance of this module.
 */

export interface ReloadHooksData {
  /** `file:` URL of the reloaded directory, ending in '/'. */
  readonly rootUrl: string;
  readonly port: MessagePort;
}

/** Main thread → hooks: make `generation` the active one. Answered with the same message once it is. */
export interface GenerationMessage {
  readonly generation: number;
}

export const GENERATION_PARAM = 'tsworld-gen';

let rootUrl = '';
let generation = 0;

export const initialize: InitializeHook<ReloadHooksData> = (data) => {
  rootUrl = data.rootUrl;
  data.port.on('message', (msg: GenerationMessage) => {
    generation = msg.generation;
    data.port.postMessage({ generation } satisfies GenerationMessage);
  });
  // The port must not keep the process alive; the main side refs its own end while it waits.
  data.port.unref();
};

/**
 * After the rest of the chain (tsx) resolved the specifier, tags every file under the root with the
 * active generation: a URL never seen before is a module Node has not cached, so it is evaluated
 * again from disk, and so are its relative imports, which resolve through here too.
 */
export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const result = await nextResolve(specifier, context);
  if (generation === 0 || !result.url.startsWith(rootUrl) || result.url.includes('/node_modules/')) return result;
  const url = new URL(result.url);
  if (url.searchParams.has(GENERATION_PARAM)) return result;
  url.searchParams.set(GENERATION_PARAM, String(generation));
  return { ...result, url: url.href };
};
