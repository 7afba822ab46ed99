import { Client, type Room } from '@colyseus/sdk';
import type WebSocket from 'ws';
import { mulberry32 } from '../../src/testing/prng.ts';
import type { BotGroup, BotGroupOptions } from './bot-group.ts';
import { ECHO_HZ, MOVE_HZ, SPEED } from './peers-workload.ts';

const CONNECT_CONCURRENCY = 20;
const DRIVE_EVERY_MS = 20;

interface ColyseusBot {
  room: Room;
  x: number;
  z: number;
  heading: number;
  nextMove: number;
  nextEcho: number;
  seq: number;
  sentAt: Map<number, number>;
}

/**
 * The peers workload through Colyseus's own client SDK (@colyseus/sdk, which mirrors the room's state):
 * the same random walk and echo cadence as tsworld's bots, one driver timer for the group, bytes
 * counted on each bot's socket.
 */
export async function colyseusBots(opts: BotGroupOptions): Promise<BotGroup> {
  if (opts.roomId === undefined) throw new Error('colyseus bots need the room id');
  const rand = mulberry32(opts.seed);
  const counter = { bytes: 0 };
  const rtts: number[] = [];
  const problems: string[] = [];
  const bots: ColyseusBot[] = [];
  const { area } = opts;
  const start = performance.now();
  let cursor = 0;
  const connectOne = async (index: number) => {
    const x = area.minX + rand() * (area.maxX - area.minX);
    const z = area.minZ + rand() * (area.maxZ - area.minZ);
    const room = await new Client(opts.urls[index % opts.urls.length]).joinById(opts.roomId!, { x, z });
    const ws = (room.connection.transport as unknown as { ws: WebSocket }).ws;
    ws.on('message', (data: ArrayBuffer | Buffer) => {
      counter.bytes += data.byteLength;
    });
    const bot: ColyseusBot = { room, x, z, heading: rand() * 2 * Math.PI, nextMove: start + rand() * (1000 / MOVE_HZ), nextEcho: start + rand() * (1000 / ECHO_HZ), seq: 0, sentAt: new Map() };
    room.onMessage('echo', (seq: number) => {
      const at = bot.sentAt.get(seq);
      if (at === undefined) return;
      bot.sentAt.delete(seq);
      rtts.push(performance.now() - at);
    });
    room.onLeave((code: number) => void problems.push(`bot ${index} left with ${code}`));
    room.onError((code: number, message?: string) => void problems.push(`bot ${index} error ${code} ${message ?? ''}`));
    bots.push(bot);
  };
  await Promise.all(
    Array.from({ length: Math.min(CONNECT_CONCURRENCY, opts.count) }, async () => {
      while (cursor < opts.count) await connectOne(cursor++);
    }),
  );
  const driver = setInterval(() => {
    const now = performance.now();
    for (const bot of bots) drive(bot, now);
  }, DRIVE_EVERY_MS);

  function drive(bot: ColyseusBot, now: number): void {
    if (now >= bot.nextMove) {
      bot.nextMove = Math.max(bot.nextMove + 1000 / MOVE_HZ, now);
      bot.heading += (rand() - 0.5) * 0.8;
      bot.x += (Math.cos(bot.heading) * SPEED) / MOVE_HZ;
      bot.z += (Math.sin(bot.heading) * SPEED) / MOVE_HZ;
      if (bot.x < area.minX || bot.x > area.maxX || bot.z < area.minZ || bot.z > area.maxZ) {
        bot.heading += Math.PI;
        bot.x = Math.min(Math.max(bot.x, area.minX), area.maxX);
        bot.z = Math.min(Math.max(bot.z, area.minZ), area.maxZ);
      }
      bot.room.send('move', { x: bot.x, z: bot.z, h: bot.heading });
    }
    if (now >= bot.nextEcho) {
      bot.nextEcho = Math.max(bot.nextEcho + 1000 / ECHO_HZ, now);
      bot.seq++;
      bot.sentAt.set(bot.seq, now);
      bot.room.send('echo', bot.seq);
    }
  }

  let markedAt = performance.now();
  let bytesAtMark = 0;
  return {
    mark() {
      markedAt = performance.now();
      bytesAtMark = counter.bytes;
      rtts.length = 0;
    },
    collect() {
      return { rtts: [...rtts], crossRtts: [], bytes: counter.bytes - bytesAtMark, windowMs: performance.now() - markedAt, clients: bots.length, inView: bots.reduce((n, b) => n + Math.max(0, (b.room.state as { players?: Map<string, unknown> }).players?.size ?? 0) - 1, 0), problems: [...problems] };
    },
    async close() {
      clearInterval(driver);
      problems.length = 0;
      await Promise.all(bots.map((b) => b.room.leave(true).catch(() => undefined)));
    },
  };
}
