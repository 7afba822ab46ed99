import { createLogger } from '../../src/observability/index.ts';
import { createPackr, createWireCodec } from '../../src/protocol/index.ts';
import { startDispatcher } from '../../src/roles/dispatcher/dispatcher.ts';
import { dispatcherOptions } from '../../src/roles/dispatcher/dispatcher-options.ts';
import { systemRuntime } from '../../src/roles/shared/runtime.ts';
import { startNaiveRouter } from './naive-router.ts';

/**
 * Runs ONE router in its own process (started by dispatcher-suite.ts), as a dispatcher runs in a
 * deployment: the fake games that feed and drain it live in the suite's process, so routing work and
 * sending/receiving work do not share a thread. Prints `{"port":N}` on stdout once listening and stops
 * when stdin closes.
 */
async function start(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const codec = createWireCodec({ packr: createPackr() });
  if (name === 'naive-decode-reencode') return startNaiveRouter({ host: '127.0.0.1', port: 0, codec });
  if (name !== 'tsworld') throw new Error(`unknown router ${name}; known: tsworld, naive-decode-reencode`);
  const log = createLogger({ role: 'dispatcher', id: 1, level: 'silent' });
  const basics = { id: 1, host: '127.0.0.1', port: 0, expectedGames: 2, expectedGates: 1, codec, log, runtime: systemRuntime() };
  return startDispatcher(dispatcherOptions(basics, { freezeQueueMaxFrames: 100_000 }));
}

async function main(name: string | undefined): Promise<void> {
  const router = await start(name ?? '');
  process.stdout.write(`${JSON.stringify({ port: router.port })}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => {
    void router.close().then(() => process.exit(0));
  });
}

main(process.argv[2]).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
