import { Server, matchMaker } from '@colyseus/core';
import { Encoder } from '@colyseus/schema';
import { uWebSocketsTransport } from '@colyseus/uwebsockets-transport';
import { peersRoom, type TickSink } from './colyseus-room.ts';

/**
 * The Colyseus server of the peers bench, in a process of its own (started by colyseus-system.ts):
 * `colyseus-server.ts PORT`. It makes the one room every bot joins and answers over IPC: 'ready' with
 * the room id, then the tick samples since the last 'mark' on 'collect'. Exits when the channel closes.
 */
type Request = { op: 'mark' } | { op: 'collect' };

async function main(port: number): Promise<void> {
  // The documented setting for a large state: 1,500 players' full state is over the 8 KB default at join.
  Encoder.BUFFER_SIZE = 256 * 1024;
  const sink: TickSink = { simMs: [], patchMs: [] };
  const server = new Server({ transport: new uWebSocketsTransport(), greet: false });
  server.define('peers', peersRoom(sink));
  await server.listen(port, '127.0.0.1');
  const room = await matchMaker.createRoom('peers', {});
  process.on('message', (request: Request) => {
    if (request.op === 'mark') {
      sink.simMs.length = 0;
      sink.patchMs.length = 0;
      process.send?.({ op: 'marked' });
    } else if (request.op === 'collect') {
      process.send?.({ op: 'ticks', simMs: sink.simMs, patchMs: sink.patchMs });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ op: 'ready', roomId: room.roomId });
}

main(Number(process.argv[2])).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
