import { attr } from '../../src/core/attr-decl.ts';
import { defineEntityType } from '../../src/core/entity-type.ts';
import { defineSpaceType } from '../../src/core/space.ts';
import { t } from '../../src/core/value-types.ts';
import type { GameWorld } from '../../src/core/world-api.ts';
import { defineGame, type GameModule } from '../../src/roles/game/game-module.ts';

/** Each game's Field has a fixed id, so a mover on one game can name the other's. */
export function fieldId(gameId: number): string {
  return `BenchField-g${String(gameId).padStart(4, '0')}`;
}

/** What the driver learns: when a hop was asked for, and when the call queued behind it arrived. */
export interface HopSink {
  asked(entityId: string, seq: number): void;
  /** The entity stopped being reachable here: packed (onMigrateOut), or destroyed to be reloaded (onDestroy). */
  gone(entityId: string): void;
  arrived(entityId: string, seq: number, gameId: number): void;
}

/**
 * The bench's game: `Mover` is a persistent entity with attributes, a repeating timer and a position, in
 * each game's Field. `hop(toGame, how, seq)` moves it to the other game and sends it `arrived(seq)`,
 * which its dispatcher queues behind the move: the arrival is when the entity is reachable again.
 * - how 'migrate': enterSpace(the other game's Field), a migration; `arrived` is sent from onMigrateOut;
 * - how 'reload': destroy it (its final state saved) and load it from storage on the other game, the
 *   way to move an entity without migration. The load and the call follow the destroy's notice (sent at
 *   the commit), so they are posted twice: posted once, they would run before that commit.
 */
export function benchGame(sink: HopSink): GameModule {
  const Field = defineSpaceType({ name: 'Field', aoi: { radius: 20 } });
  const Mover = defineEntityType({
    name: 'Mover',
    persistent: true,
    attrs: {
      name: attr(t.string, { flags: ['persistent'] }),
      score: attr(t.int, { flags: ['persistent'] }),
      inventory: attr(t.list(t.string), { flags: ['persistent'] }),
      hopSeq: attr(t.int),
    },
    rpc: {
      hop: {
        expose: 'server',
        args: [t.int, t.string, t.int],
        fn(e, toGame, how, seq) {
          sink.asked(e.id, seq);
          const world = e.world;
          if (how === 'migrate') {
            // The call that marks the arrival is sent from onMigrateOut, behind the dispatcher's ack:
            // sent now, it would reach the entity here, before the move.
            e.attrs.set('hopSeq', seq);
            e.enterSpace(fieldId(toGame));
            return;
          }
          const id = e.id;
          const position = e.position();
          e.destroy();
          world.post(() => world.post(() => {
            world.cluster.loadEntityOnGame(toGame, 'Mover', id, { space: fieldId(toGame), position });
            world.cluster.call(id, 'arrived', [seq]);
          }));
        },
      },
      arrived: { expose: 'server', args: [t.int], fn(e, seq) { sink.arrived(e.id, seq, e.world.gameId); } },
      tick: { expose: 'server', args: [], fn(e) { e.attrs.set('score', e.attrs.get('score') + 1); } },
    },
    hooks: {
      onMigrateOut(e, world) {
        sink.gone(e.id);
        world.cluster.call(e.id, 'arrived', [e.attrs.get('hopSeq')]);
      },
      onDestroy(e) {
        sink.gone(e.id);
      },
      onCreated(e) {
        e.attrs.set('name', `m-${e.id.slice(-4)}`);
        e.attrs.list('inventory').append('sword');
        e.attrs.list('inventory').append('shield');
        e.timers.add(1000, 'tick', [], { repeat: true });
      },
    },
  });
  return defineGame({
    entityTypes: [Mover],
    spaceTypes: [Field],
    bootEntity: 'Mover',
    onGameReady(world: GameWorld) {
      if (!world.space(fieldId(world.gameId))) world.createSpace(Field, { id: fieldId(world.gameId) });
    },
  });
}
