import { loadUws } from '../../src/transport/index.ts';

/**
 * The ccu baseline: a bare uWebSockets.js server (the build tsworld's gate uses) that accepts WebSocket
 * connections on /ws and does nothing else. `raw-uws-server.ts PORT`; 'ready' over IPC once it listens,
 * 'count' answers how many are open. Exits when the channel closes.
 */
async function main(port: number): Promise<void> {
  const loaded = await loadUws();
  if (loaded === null) throw new Error('uWebSockets.js did not load');
  let open = 0;
  loaded.uws
    .App()
    .ws('/*', {
      maxPayloadLength: 65536,
      idleTimeout: 0,
      open: () => void open++,
      close: () => void open--,
    })
    .listen('127.0.0.1', port, (socket) => {
      if (!socket) throw new Error(`raw uWS: cannot listen on ${port}`);
      process.send?.({ op: 'ready' });
    });
  process.on('message', (m: { op: string }) => {
    if (m.op === 'count') process.send?.({ op: 'count', open });
  });
  process.on('disconnect', () => process.exit(0));
}

main(Number(process.argv[2])).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
