import { isEntityId } from './entity-id.ts';
import { TsworldError } from './errors.ts';

/**
 * The ClusterApi's synchronous errors, one place for both implementations (the lone world's and the
 * game process's), so they stay the same codes and texts (test/contract/cluster-api.test.ts).
 */
export function requireEntityId(entityId: string): void {
  if (!isEntityId(entityId)) throw new TsworldError('INVALID_ARGUMENT', `not an entity id: ${JSON.stringify(entityId)}`);
}

/** The client bound to one of this game's entities, or INVALID_STATE naming the operation. */
export function requireClient<C>(client: C | null | undefined, entityId: string, what: string): C {
  if (client === undefined || client === null) throw new TsworldError('INVALID_STATE', `${what}: entity ${entityId} has no client on this game`);
  return client;
}
