import { runNilSpaceHandler } from '../../core/local-placement.ts';
import { MSG, type MessageValue } from '../../protocol/index.ts';
import { type GameState, linkFor } from './game-state.ts';

/**
 * A game's side of the placement messages from its dispatchers: a space to create here, an entity to
 * load here (into a space, at a position), a nil-space call from another game, and which games are online.
 */

export function onCreateSpace(s: GameState, m: MessageValue<typeof MSG.CREATE_SPACE>): void {
  try {
    if (!s.world.space(m.entityId)) s.world.createSpace(m.typeName, { id: m.entityId });
  } catch (err) {
    s.log.error({ err, spaceId: m.entityId, type: m.typeName }, 'create space failed');
  }
}

function abandon(s: GameState, entityId: string): void {
  const link = linkFor(s, entityId);
  if (link) s.codec.encodeTo(link, MSG.NOTIFY_DESTROY_ENTITY, { entityId });
}

/** As LOAD_ENTITY_ANYWHERE, and then into `spaceId` of this game at the position, if given. */
export function onLoadOnGame(s: GameState, m: MessageValue<typeof MSG.LOAD_ENTITY_ON_GAME>): void {
  const { world, log } = s;
  s.inflight.track(s.opts.storage.load(m.typeName, m.entityId)).then(
    (attrs) =>
      world.post(() => {
        if (attrs === undefined) {
          log.error({ entityId: m.entityId, type: m.typeName }, 'load on game: no such entity in storage');
          return abandon(s, m.entityId);
        }
        if (world.entity(m.entityId)) return; // already here: the dispatcher keeps one instance
        const space = m.spaceId === '' ? undefined : m.spaceId;
        if (space !== undefined && !world.space(space)) log.warn({ entityId: m.entityId, spaceId: space }, 'load on game: no such space here; loaded into the nil space');
        try {
          world.createEntity(m.typeName, {
            id: m.entityId,
            attrs,
            ...(space !== undefined && world.space(space) ? { space } : {}),
            ...(m.hasPosition ? { position: { x: m.x, y: m.y, z: m.z } } : {}),
          });
        } catch (err) {
          log.error({ err, entityId: m.entityId, type: m.typeName }, 'load on game failed');
          abandon(s, m.entityId);
        }
      }),
    (err: unknown) =>
      world.post(() => {
        log.error({ err, entityId: m.entityId }, 'load on game: storage failed');
        abandon(s, m.entityId);
      }),
  );
}

export function onNilSpaceCall(s: GameState, m: MessageValue<typeof MSG.CALL_NIL_SPACES>): void {
  try {
    runNilSpaceHandler(s.world, s.opts.module.nilSpace, m.method, m.args);
  } catch (err) {
    s.health.record(err, `nilSpace.${m.method}`);
    s.codeErrors.log('error', `nilSpace:${m.method}`, { err }, `nil-space handler ${m.method} failed`);
  }
}

export function onOnlineGames(s: GameState, m: MessageValue<typeof MSG.ONLINE_GAMES>): void {
  s.online.set(m.dispatcherId, (m.gameIds as unknown[]).filter((g): g is number => Number.isInteger(g)));
}

/** Every game any dispatcher says is online, ascending. */
export function onlineGames(s: GameState): number[] {
  const all = new Set<number>();
  for (const games of s.online.values()) for (const g of games) all.add(g);
  return [...all].sort((a, b) => a - b);
}
