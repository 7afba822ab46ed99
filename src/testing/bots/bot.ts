import type { ClientEntity, ServerError, TsworldClient } from '../../client/index.ts';
import { createSeqTrack, type SeqTrack } from './seq-track.ts';

/** A stream of sequence-numbered calls: `method(seq)` on the player, answered by `reply(seq, ...)` on the client. */
export interface BotChannel {
  /** Name in reports. */
  readonly name: string;
  /** Player method called with one argument, the sequence number. */
  readonly method: string;
  /** Method the server calls back on the client; its first argument is the sequence number. */
  readonly reply: string;
  /** Calls per second per bot; 0 sends none. */
  readonly hz: number;
}

export interface BotReply {
  readonly seq: number;
  /** Every argument of the reply, the sequence number included. */
  readonly args: readonly unknown[];
  /** From the call being sent to its reply arriving. */
  readonly rttMs: number;
}

export interface ChannelRecord {
  readonly channel: BotChannel;
  readonly track: SeqTrack;
  /** Replies in arrival order. */
  readonly replies: readonly BotReply[];
}

export interface Disconnect {
  readonly code: number;
  readonly reason: string;
  readonly atMs: number;
}

/** Everything one bot did and saw; read it after `drain()` (or any time, for progress). */
export interface BotRecord {
  readonly index: number;
  readonly url: string;
  readonly client: TsworldClient;
  /** The client's current player entity (a restored game may create it on the client anew). */
  readonly player: ClientEntity;
  readonly channels: ReadonlyMap<string, ChannelRecord>;
  readonly movesSent: number;
  /** Where the bot last told the server its player is (its start position before the first move). */
  readonly position: { readonly x: number; readonly z: number };
  /** Closes this harness did not ask for (with `reconnect`: only the ones it did not come back from). */
  readonly disconnects: readonly Disconnect[];
  /** With `reconnect`: drops it reconnected after, resumes onto the same player, and resumes refused (their reasons). */
  readonly reconnects: number;
  readonly resumes: number;
  readonly resumeFailures: readonly string[];
  /** Between a drop and the answer to its resume: calls made now are queued by the SDK. */
  readonly reconnecting: boolean;
  readonly errors: readonly ServerError[];
  /** Other entities the server created on this client (AOI enters), id → type name. */
  readonly seen: ReadonlyMap<string, string>;
  /** Position records received for other entities / for the own player. */
  readonly positionUpdates: number;
  readonly ownPositionUpdates: number;
}

/** The random walk's bounds on the x/z plane. */
export interface WalkArea {
  readonly minX: number;
  readonly maxX: number;
  readonly minZ: number;
  readonly maxZ: number;
}

export interface BotDriveConfig {
  readonly channels: readonly BotChannel[];
  readonly moveHz: number;
  /** Walk speed, units per second. */
  readonly speed: number;
  readonly area: WalkArea;
  readonly rand: () => number;
  /** Monotonic ms; the fleet's clock. */
  readonly now: () => number;
  /** Called after anything was recorded, so waiters can re-check. */
  readonly changed: () => void;
}

export interface Bot extends BotRecord {
  /** Sends whatever is due at `now`: at most one of each kind per call, so a stall never becomes a burst. */
  drive(now: number): void;
  /** Marks the coming close as asked for (not a disconnect). */
  expectClose(): void;
}

interface Cadence {
  periodMs: number;
  nextAt: number;
}

function cadence(hz: number, start: number, rand: () => number): Cadence | null {
  if (!(hz > 0)) return null;
  const periodMs = 1000 / hz;
  // A random phase spreads the fleet's sends over the period instead of firing every bot at once.
  return { periodMs, nextAt: start + rand() * periodMs };
}

/** True when due; moves the cadence on, skipping periods missed while the event loop was busy. */
function due(c: Cadence | null, now: number): boolean {
  if (c === null || now < c.nextAt) return false;
  c.nextAt += c.periodMs;
  if (c.nextAt < now) c.nextAt = now + c.periodMs;
  return true;
}

/** A channel as the bot runs it: its record, when each call was sent (by seq - 1), and its cadence. */
interface LiveChannel extends ChannelRecord {
  readonly replies: BotReply[];
  readonly sentAt: number[];
  readonly cadence: Cadence | null;
}

/** What the client's events showed, kept for the bot's record. */
interface Observed {
  readonly disconnects: Disconnect[];
  readonly errors: ServerError[];
  readonly seen: Map<string, string>;
  positionUpdates: number;
  ownPositionUpdates: number;
  /** Set by expectClose: the coming close is not a disconnect. */
  closeExpected: boolean;
}

interface Walk {
  x: number;
  z: number;
  heading: number;
}

export function createBot(index: number, url: string, client: TsworldClient, player: ClientEntity, cfg: BotDriveConfig): Bot {
  const { area, rand } = cfg;
  const start = cfg.now();
  const { channels, byReply } = liveChannels(cfg.channels, start, rand);
  const moveCadence = cadence(cfg.moveHz, start, rand);
  const walk: Walk = { x: clamp(player.x, area.minX, area.maxX), z: clamp(player.z, area.minZ, area.maxZ), heading: rand() * 2 * Math.PI };
  let movesSent = 0;
  const { links, resumeFailures } = trackReconnects(client, cfg.changed);
  recordReplies(client, byReply, cfg);
  const observed = observeClient(client, player, links, cfg);

  function move(): void {
    stepWalk(walk, area, rand, cfg.speed / cfg.moveHz);
    client.syncPosition(walk.x, 0, walk.z, walk.heading);
    movesSent++;
  }

  return {
    index,
    url,
    client,
    get player() {
      return client.player ?? player;
    },
    channels,
    get movesSent() {
      return movesSent;
    },
    get position() {
      return { x: walk.x, z: walk.z };
    },
    disconnects: observed.disconnects,
    get reconnects() {
      return links.reconnects;
    },
    get resumes() {
      return links.resumes;
    },
    resumeFailures,
    get reconnecting() {
      return links.reconnecting;
    },
    errors: observed.errors,
    seen: observed.seen,
    get positionUpdates() {
      return observed.positionUpdates;
    },
    get ownPositionUpdates() {
      return observed.ownPositionUpdates;
    },
    drive(now) {
      // While it reconnects, calls go on (the SDK queues them); positions would be dropped, so none are sent.
      if (!client.connected && !links.reconnecting) return;
      if (!client.connected) return driveCalls(client, player, channels, now);
      if (due(moveCadence, now)) move();
      driveCalls(client, player, channels, now);
    },
    expectClose() {
      observed.closeExpected = true;
    },
  };
}

/** One record per channel, by name and by the reply method that answers it. */
function liveChannels(list: readonly BotChannel[], start: number, rand: () => number) {
  const channels = new Map<string, LiveChannel>();
  const byReply = new Map<string, LiveChannel>();
  for (const channel of list) {
    const rec: LiveChannel = { channel, track: createSeqTrack(), replies: [], sentAt: [], cadence: cadence(channel.hz, start, rand) };
    channels.set(channel.name, rec);
    byReply.set(channel.reply, rec);
  }
  return { channels, byReply };
}

/** Each call from the server that answers a channel becomes a reply, timed against its send. */
function recordReplies(client: TsworldClient, byReply: ReadonlyMap<string, LiveChannel>, cfg: BotDriveConfig): void {
  client.on('call', (_entity, method, args) => {
    const rec = byReply.get(method);
    if (rec === undefined) return;
    const seq = args[0] as number;
    const sentAt = Number.isSafeInteger(seq) ? rec.sentAt[seq - 1] : undefined;
    rec.replies.push({ seq, args, rttMs: sentAt === undefined ? NaN : cfg.now() - sentAt });
    rec.track.reply(seq);
    cfg.changed();
  });
}

/** Counts what else the client shows: entities created, position records, errors and closes. */
function observeClient(client: TsworldClient, player: ClientEntity, links: { reconnecting: boolean }, cfg: BotDriveConfig): Observed {
  const observed: Observed = { disconnects: [], errors: [], seen: new Map(), positionUpdates: 0, ownPositionUpdates: 0, closeExpected: false };
  client.on('create', (entity) => {
    if (!entity.isPlayer) observed.seen.set(entity.id, entity.typeName);
    cfg.changed();
  });
  client.on('positions', (moved) => {
    for (const e of moved) {
      if (e.id === player.id) observed.ownPositionUpdates++;
      else observed.positionUpdates++;
    }
    cfg.changed();
  });
  client.on('error', (error) => {
    observed.errors.push(error);
    cfg.changed();
  });
  client.on('close', (code, reason) => {
    if (!observed.closeExpected) observed.disconnects.push({ code, reason, atMs: cfg.now() });
    links.reconnecting = false;
    cfg.changed();
  });
  return observed;
}

/** One step of the random walk, turning back at the area's edge. */
function stepWalk(walk: Walk, area: WalkArea, rand: () => number, step: number): void {
  walk.heading += (rand() - 0.5) * 0.8;
  walk.x += Math.cos(walk.heading) * step;
  walk.z += Math.sin(walk.heading) * step;
  if (walk.x < area.minX || walk.x > area.maxX || walk.z < area.minZ || walk.z > area.maxZ) {
    walk.heading += Math.PI;
    walk.x = clamp(walk.x, area.minX, area.maxX);
    walk.z = clamp(walk.z, area.minZ, area.maxZ);
  }
}

/** Sends the next call of each channel that is due. */
function driveCalls(client: TsworldClient, player: ClientEntity, channels: ReadonlyMap<string, LiveChannel>, now: number): void {
  for (const rec of channels.values()) {
    if (!due(rec.cadence, now)) continue;
    const seq = rec.track.next();
    rec.sentAt.push(now);
    client.call(player.id, rec.channel.method, seq);
  }
}

/** With the SDK's reconnect: drops, resumes and refusals, and whether the bot is between a drop and its answer. */
function trackReconnects(client: TsworldClient, changed: () => void) {
  const resumeFailures: string[] = [];
  const links = { reconnects: 0, resumes: 0, reconnecting: false };
  client.on('reconnecting', (attempt) => {
    if (attempt === 1) links.reconnects++;
    links.reconnecting = true;
    changed();
  });
  client.on('resumed', () => {
    links.resumes++;
    links.reconnecting = false;
    changed();
  });
  client.on('resumeFailed', (reason) => {
    resumeFailures.push(reason);
    links.reconnecting = false;
    changed();
  });
  return { links, resumeFailures };
}

function clamp(v: number, lo: number, hi: number): number {
  return Number.isFinite(v) ? Math.min(Math.max(v, lo), hi) : lo;
}
