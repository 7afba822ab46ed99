import WebSocket from 'ws';
import { connectClient, type ClientOptions, type TsworldClient, type WebSocketConstructor } from '../../client/index.ts';
import { mulberry32 } from '../prng.ts';
import { createBot, type Bot, type BotChannel, type BotRecord, type WalkArea } from './bot.ts';
import { buildReport, type FleetReport } from './report.ts';

export interface RunBotsOptions {
  /** Gate WebSocket URL(s); bot i uses url[i % length]. */
  url: string | readonly string[];
  count: number;
  /** Position updates per second per bot (random walk through `syncPosition`). Default 5. */
  moveHz?: number;
  /** Rate of each default channel (echo and crossCall), calls per second per bot. Default 2. */
  rpcHz?: number;
  /** Replaces the default channels: echo → onEcho and crossCall → onCross, each at rpcHz. */
  channels?: readonly BotChannel[];
  /** Walk speed in units per second. Default 20. */
  speed?: number;
  /** Walk bounds. Default the MMO example's World, 0..500 on x and z. */
  area?: WalkArea;
  /** Seeds the walks and send phases. Default 1. */
  seed?: number;
  /** For the whole fleet to connect and be given players. Default 30 000 ms. */
  connectTimeoutMs?: number;
  /** Connections opened at once. Default 20. */
  connectConcurrency?: number;
  /** SDK heartbeat period. Default 2000 ms. */
  heartbeatMs?: number;
  /** How often the fleet's one driver timer runs. Default 20 ms. */
  driveEveryMs?: number;
  /** WebSocket implementation; `ws` by default. */
  WebSocket?: WebSocketConstructor;
  /**
   * Runs once per bot after its first player exists and before it moves or calls: a login flow (the
   * chatroom's register and login, which turn the boot Account into an Avatar). The bot then plays
   * whatever `client.player` is once it resolves. Counts against connectTimeoutMs.
   */
  login?: (client: TsworldClient, index: number) => Promise<void>;
  /**
   * The SDK's reconnect (true, or its options): a bot whose connection drops comes back and resumes its
   * player; its calls go on meanwhile (queued). Default off: a drop is a disconnect.
   */
  reconnect?: ClientOptions['reconnect'];
}

export interface BotFleet {
  readonly bots: readonly BotRecord[];
  readonly sending: boolean;
  /** Stops every move and call; the sequence numbers handed out so far are what `drain` and `report` expect. */
  stopSending(): void;
  /**
   * Stops sending (if not yet) and resolves once every call sent got its reply. Rejects after `timeoutMs`,
   * or as soon as a bot still owed replies is disconnected, naming the bots and the missing seqs.
   */
  drain(timeoutMs: number): Promise<void>;
  /** Resolves once `probe` holds for every bot; rejects after `timeoutMs` naming the bots it fails for. */
  waitUntil(what: string, probe: (bot: BotRecord) => boolean, timeoutMs: number): Promise<void>;
  report(maxProblems?: number): FleetReport;
  /** Stops sending and closes every client; rejects if some did not close within `timeoutMs` (default 5000). */
  close(timeoutMs?: number): Promise<void>;
}

export function defaultChannels(rpcHz: number): BotChannel[] {
  return [
    { name: 'echo', method: 'echo', reply: 'onEcho', hz: rpcHz },
    { name: 'cross', method: 'crossCall', reply: 'onCross', hz: rpcHz },
  ];
}

const MAX_LISTED = 10;

/** Connects `count` bots, waits for their players, and starts them moving and calling. */
export async function runBots(options: RunBotsOptions): Promise<BotFleet> {
  const urls = gateUrls(options);
  const moveHz = options.moveHz ?? 5;
  const channels = options.channels ?? defaultChannels(options.rpcHz ?? 2);
  const rand = mulberry32(options.seed ?? 1);
  const epoch = performance.now();
  const now = () => performance.now() - epoch;
  const { changed, wait } = createWaiters();

  const clients = await connectAll(urls, options);
  const bots: Bot[] = clients.map(({ client, url }, index) =>
    createBot(index, url, client, client.player!, {
      channels,
      moveHz,
      speed: options.speed ?? 20,
      area: options.area ?? { minX: 0, maxX: 500, minZ: 0, maxZ: 500 },
      rand,
      now,
      changed,
    }),
  );
  const sender = startSending(bots, now, options.driveEveryMs ?? 20);

  return {
    bots,
    get sending() {
      return sender.sending();
    },
    stopSending: sender.stop,
    drain(timeoutMs) {
      sender.stop();
      return wait('drain', timeoutMs, () => repliesOwed(bots), () => lostOwingReplies(bots));
    },
    waitUntil(what, probe, timeoutMs) {
      return wait(what, timeoutMs, () => {
        const failing = bots.filter((b) => !probe(b)).map((b) => `bot ${b.index}`);
        return failing.length === 0 ? null : `not yet for ${listBots(failing)}`;
      });
    },
    report(maxProblems) {
      return buildReport(bots, sender.elapsedMs(), maxProblems);
    },
    async close(timeoutMs = 5000) {
      sender.stop();
      for (const bot of bots) {
        bot.expectClose();
        bot.client.close();
      }
      await wait('close', timeoutMs, () => {
        const open = bots.filter((b) => b.client.connected).map((b) => `bot ${b.index}`);
        return open.length === 0 ? null : `still open: ${listBots(open)}`;
      });
    },
  };
}

/** The gate urls; throws on options that make no fleet. */
function gateUrls(options: RunBotsOptions): string[] {
  const urls = typeof options.url === 'string' ? [options.url] : [...options.url];
  if (urls.length === 0) throw new Error('runBots: no gate url');
  if (!(Number.isInteger(options.count) && options.count > 0)) throw new Error(`runBots: count must be a positive integer, got ${options.count}`);
  return urls;
}

/**
 * Promises on a condition over the fleet: `wait` settles once `check` returns null (or `failFast` a
 * reason, or the timeout passes), re-checking whenever a bot reports `changed` rather than polling.
 */
function createWaiters() {
  const waiters = new Set<() => void>();
  let checkQueued = false;
  // Events arrive by the thousand per second; waiters re-check once per turn of the event loop.
  const changed = (): void => {
    if (checkQueued || waiters.size === 0) return;
    checkQueued = true;
    setImmediate(() => {
      checkQueued = false;
      for (const check of [...waiters]) check();
    });
  };

  function wait(what: string, timeoutMs: number, check: () => string | null, failFast: () => string | null = () => null): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (err: Error | null): void => {
        waiters.delete(run);
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const run = (): void => {
        const pending = check();
        if (pending === null) return finish(null);
        const fatal = failFast();
        if (fatal !== null) finish(new Error(`${what}: ${fatal}`));
      };
      const timer = setTimeout(() => finish(new Error(`${what}: timed out after ${timeoutMs} ms; ${check() ?? 'done'}`)), timeoutMs);
      waiters.add(run);
      run();
    });
  }

  return { changed, wait };
}

/** The fleet's one driver timer, and how long it sent for. */
function startSending(bots: readonly Bot[], now: () => number, everyMs: number) {
  const startedAt = now();
  let stoppedAt: number | null = null;
  const driver = setInterval(() => {
    const t = now();
    for (const bot of bots) bot.drive(t);
  }, everyMs);

  function stop(): void {
    if (stoppedAt !== null) return;
    clearInterval(driver);
    stoppedAt = now();
  }

  return {
    sending: () => stoppedAt === null,
    stop,
    elapsedMs: () => (stoppedAt ?? now()) - startedAt,
  };
}

/** What each channel of `bot` still owes, one entry per channel with replies outstanding. */
function owed(bot: Bot): string[] {
  const out: string[] = [];
  for (const [name, rec] of bot.channels) {
    const n = rec.track.sent - rec.track.answered;
    if (n > 0) out.push(`${name} missing ${n} of ${rec.track.sent} (seqs ${rec.track.missing(5).join(', ')}${n > 5 ? ', ...' : ''})`);
  }
  return out;
}

/** The bots still owed replies, or null once every call sent was answered. */
function repliesOwed(bots: readonly Bot[]): string | null {
  const failing = bots.flatMap((b) => {
    const o = owed(b);
    return o.length > 0 ? [`bot ${b.index} ${o.join(', ')}`] : [];
  });
  return failing.length === 0 ? null : listBots(failing);
}

/** The bots owed replies that can no longer come (closed, not reconnecting), or null if none. */
function lostOwingReplies(bots: readonly Bot[]): string | null {
  const lost = bots.filter((b) => !b.client.connected && !b.reconnecting && owed(b).length > 0);
  if (lost.length === 0) return null;
  const why = lost.map((b) => {
    const d = b.disconnects[0];
    return `bot ${b.index} (${d ? `${d.code} ${d.reason}` : 'closed'}) still owed ${owed(b).join(', ')}`;
  });
  return `disconnected with replies outstanding: ${listBots(why)}`;
}

function listBots(failing: string[]): string {
  const shown = failing.slice(0, MAX_LISTED).join('; ');
  return `${failing.length} bot(s): ${shown}${failing.length > MAX_LISTED ? '; ...' : ''}`;
}

interface Connected {
  client: TsworldClient;
  url: string;
}

/** Opens every connection (a few at a time) and waits for each player; all or nothing, within the deadline. */
async function connectAll(urls: string[], options: RunBotsOptions): Promise<Connected[]> {
  const timeoutMs = options.connectTimeoutMs ?? 30_000;
  const deadline = performance.now() + timeoutMs;
  const out: (Connected | undefined)[] = new Array(options.count);
  const failures: string[] = [];
  let cursor = 0;

  async function one(index: number): Promise<void> {
    const url = urls[index % urls.length];
    const connecting = connectClient({
      url,
      WebSocket: options.WebSocket ?? (WebSocket as unknown as WebSocketConstructor),
      heartbeatMs: options.heartbeatMs ?? 2000,
      ...(options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
    });
    const client = await beforeDeadline(connecting, deadline, `connect to ${url}`).catch((err: Error) => {
      // A connection that opens after we gave up must not linger.
      connecting.then((c) => c.close(), () => undefined);
      throw err;
    });
    out[index] = { client, url };
    await beforeDeadline(client.waitForPlayer(), deadline, 'its player');
    if (options.login) {
      await beforeDeadline(options.login(client, index), deadline, 'its login');
      await beforeDeadline(client.waitForPlayer(), deadline, 'its player after login');
    }
  }

  async function worker(): Promise<void> {
    while (cursor < options.count) {
      const index = cursor++;
      if (failures.length > 0) return;
      await one(index).catch((err: Error) => void failures.push(`bot ${index}: ${err.message}`));
    }
  }

  await Promise.all(Array.from({ length: Math.min(options.connectConcurrency ?? 20, options.count) }, worker));
  if (failures.length > 0) {
    for (const c of out) c?.client.close();
    throw new Error(`runBots: ${failures.length} bot(s) failed to start within ${timeoutMs} ms: ${failures.slice(0, MAX_LISTED).join('; ')}`);
  }
  return out as Connected[];
}

function beforeDeadline<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
  const left = Math.max(0, deadline - performance.now());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), left);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
