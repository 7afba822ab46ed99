// The one file of game/ that reaches into the engine. A copy of game/ placed outside a project that
// depends on tsworld (the hot-swap test edits version.ts in a temp dir) only has to rewrite the
// specifiers below: see ../copy-game.ts.
export { attr, defineComponent, defineEntityType, defineGame, defineService, defineSpaceType, nilSpaceId, Position, t } from 'tsworld';
export type { AnyEntity, GameWorld, System } from 'tsworld';
