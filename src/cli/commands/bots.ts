import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { TsworldClient } from '../../client/index.ts';
import { loadConfig } from '../../config/index.ts';
import { ENGINE_FROM_SOURCE } from '../../core/engine-files.ts';
import { TsworldError } from '../../core/errors.ts';
import { runBots, type BotChannel, type RunBotsOptions } from '../../testing/bots/index.ts';
import { resolveConfigPath } from '../config-path.ts';

export interface BotsOptions {
  count: number;
  seconds: number;
  moveHz: number;
  rpcHz: number;
  seed: number;
  /** Gate WebSocket URLs; default: every gate of the deployment's config. */
  urls?: readonly string[];
  /** `name=method:reply` each; replaces the default channels (echo -> onEcho, crossCall -> onCross). */
  channels?: readonly string[];
  /** A module default-exporting `(client, index) => Promise<void>`: each bot's login flow. */
  login?: string;
  /** How long to wait for the replies still owed once sending stops. */
  drainMs: number;
}

type Login = NonNullable<RunBotsOptions['login']>;

/** `name=method:reply` -> a channel at `hz`. */
export function parseChannel(text: string, hz: number): BotChannel {
  const m = /^([A-Za-z0-9_-]+)=([A-Za-z_]\w*):([A-Za-z_]\w*)$/.exec(text);
  if (!m) throw new TsworldError('INVALID_CONFIG', `--channel expects name=method:reply (e.g. echo=echo:onEcho), got '${text}'`);
  return { name: m[1], method: m[2], reply: m[3], hz };
}

function gateUrls(dir: string): string[] {
  const config = loadConfig(resolveConfigPath(dir));
  return config.gates.map((g) => `ws://${g.host === '0.0.0.0' || g.host === '::' ? '127.0.0.1' : g.host}:${g.port}/ws`);
}

async function loadLogin(path: string): Promise<Login> {
  const file = resolve(path);
  // Compiled, the CLI runs on plain Node: a login flow written in TypeScript goes through tsx (as a game entry does).
  if (!ENGINE_FROM_SOURCE && /\.[cm]?tsx?$/.test(file)) (await import('tsx/esm/api')).register();
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  if (typeof mod.default !== 'function') throw new TsworldError('INVALID_CONFIG', `--login ${path}: the module must default-export (client, index) => Promise<void>`);
  const login = mod.default as (client: TsworldClient, index: number) => unknown;
  return async (client, index) => void (await login(client, index));
}

/**
 * `tsworld bots [dir]`: the bot swarm against a running deployment. The bots connect (and log in), move
 * and call for `seconds`, then wait for every reply; the JSON report goes to stdout. Exit 1 when a reply
 * is missing, duplicated or out of order, a bot was dropped, or the server sent an error.
 */
export async function botsCommand(dir: string, o: BotsOptions, out: (text: string) => void): Promise<number> {
  const url = o.urls && o.urls.length > 0 ? [...o.urls] : gateUrls(dir);
  const fleet = await runBots({
    url,
    count: o.count,
    moveHz: o.moveHz,
    rpcHz: o.rpcHz,
    seed: o.seed,
    ...(o.channels && o.channels.length > 0 ? { channels: o.channels.map((c) => parseChannel(c, o.rpcHz)) } : {}),
    ...(o.login === undefined ? {} : { login: await loadLogin(o.login) }),
  });
  process.stderr.write(`${fleet.bots.length} bots connected to ${url.join(', ')}; sending for ${o.seconds} s\n`);
  await new Promise((done) => setTimeout(done, o.seconds * 1000));
  let drained = true;
  await fleet.drain(o.drainMs).catch((err: Error) => {
    drained = false;
    process.stderr.write(`${err.message}\n`);
  });
  const report = fleet.report();
  await fleet.close().catch((err: Error) => process.stderr.write(`${err.message}\n`));
  out(JSON.stringify(report, null, 2));
  return drained && report.problems.length === 0 ? 0 : 1;
}
