import { CLIENT_POSITION_SIZE, clientPositionRecordCount, concatClientPositions, readEntityKey } from '../../protocol/index.ts';
import type { ProtocolError } from '../../protocol/index.ts';

/**
 * Splits a gate's batch of client positions by the game that owns each record's entity, without
 * decoding the floats. Records for entities that are not routable (in flight) are stale and dropped.
 */
export function splitClientPositions(
  body: Uint8Array,
  gameOf: (entityId: string) => number | undefined,
): Map<number, Uint8Array> | ProtocolError {
  const count = clientPositionRecordCount(body);
  if (typeof count !== 'number') return count;
  const perGame = new Map<number, Uint8Array[]>();
  for (let i = 0; i < count; i++) {
    const record = body.subarray(i * CLIENT_POSITION_SIZE, (i + 1) * CLIENT_POSITION_SIZE);
    const gameId = gameOf(readEntityKey(record));
    if (gameId === undefined) continue;
    let list = perGame.get(gameId);
    if (!list) perGame.set(gameId, (list = []));
    list.push(record);
  }
  const out = new Map<number, Uint8Array>();
  for (const [gameId, records] of perGame) out.set(gameId, concatClientPositions(records));
  return out;
}
