import { TsworldError } from '../core/errors.ts';
import type { ClientTransport, TransportKind, TransportLog } from './client-transport.ts';
import { createUwsTransport, loadUws } from './uws-transport.ts';
import { createWsTransport } from './ws-transport.ts';

export type TransportChoice = Exclude<TransportKind, 'memory'> | 'auto';

/**
 * Picks the client transport. 'auto' (the default) uses uWebSockets.js when its native binary loads and
 * falls back to `ws` with a warning otherwise: the package's own JS shim is slower than `ws`'s direct use
 * and is never used. 'uws' insists on native uWS and fails otherwise; 'ws' forces the fallback.
 */
export async function selectClientTransport(
  choice: TransportChoice = 'auto',
  log?: TransportLog,
): Promise<ClientTransport> {
  if (choice === 'ws') {
    log?.info('client transport: ws (configured)');
    return createWsTransport();
  }
  const loaded = await loadUws();
  if (loaded !== null && loaded.native) {
    log?.info('client transport: uWebSockets.js (native)');
    return createUwsTransport(loaded.uws);
  }
  const why = loaded === null ? 'the package failed to load' : 'its native binary did not load (JS shim detected)';
  if (choice === 'uws') {
    throw new TsworldError('TRANSPORT_FAILURE', `uWebSockets.js was required but ${why}`);
  }
  log?.warn(`client transport: falling back to ws because uWebSockets.js ${why}`);
  return createWsTransport();
}
