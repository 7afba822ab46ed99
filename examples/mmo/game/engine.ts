// The one file of game/ that reaches into the engine. A copy of game/ placed elsewhere (the hot-swap
// test edits version.ts in a temp dir) only has to rewrite the paths below: see ../copy-game.ts.
export { attr } from '../../../src/core/attr-decl.ts';
export { defineEntityType } from '../../../src/core/entity-type.ts';
export { defineSpaceType } from '../../../src/core/space.ts';
export { t } from '../../../src/core/value-types.ts';
export { defineComponent } from '../../../src/ecs/schema.ts';
export { Position } from '../../../src/ecs/builtin-components.ts';
export { defineGame } from '../../../src/roles/game/game-module.ts';
export type { AnyEntity } from '../../../src/core/entity.ts';
export type { GameWorld, System } from '../../../src/core/world-api.ts';
