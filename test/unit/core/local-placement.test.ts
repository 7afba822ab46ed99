import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import { attr } from '../../../src/core/attr-decl.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { TsworldError } from '../../../src/core/errors.ts';
import { defineSpaceType } from '../../../src/core/space.ts';
import { t } from '../../../src/core/value-types.ts';
import { createGameWorld } from '../../../src/core/world.ts';
import type { GameWorld } from '../../../src/core/world-api.ts';

/**
 * The placement calls of a lone world (no game process): it is the only game and has no storage, with
 * the same asynchrony as a game process (answers in the async phase). The multi-process behaviour is
 * test/integration/placement.test.ts.
 */
function world(heard: string[]) {
  const Crate = defineEntityType({ name: 'Crate', persistent: true, attrs: { label: attr(t.string, { flags: ['persistent'] }) } });
  const Room = defineSpaceType({ name: 'Room' });
  return createGameWorld({
    gameId: 3,
    entityTypes: [Crate],
    spaceTypes: [Room],
    aoiFactory: createBruteForceAoi,
    nilSpace: { heard: (w: GameWorld, text: string) => void heard.push(`${w.gameId}:${text}`) },
    onError: (e) => {
      throw e;
    },
  });
}

describe('placement calls of a lone world', () => {
  it('creates spaces, loads an entity into one at a position, runs nil-space handlers, and is its only game', () => {
    const heard: string[] = [];
    const w = world(heard);
    const room = w.cluster.createSpaceOnGame(3, 'Room');
    const other = w.cluster.createSpaceAnywhere('Room');
    w.step(0.05);
    expect(w.space(room)?.kind).toBe('Room');
    expect(w.space(other)?.kind).toBe('Room');
    expect(() => w.cluster.createSpaceOnGame(4, 'Room')).toThrow(TsworldError);

    const id = 'CrateCrateCrate1';
    w.loadEntity('Crate', id, { space: room, position: { x: 2, y: 0, z: 3 } });
    // Single instance: a second load of the same id while the first is under way does nothing.
    w.cluster.loadEntityOnGame(3, 'Crate', id);
    w.step(0.05);
    w.step(0.05);
    const crate = w.entity(id)!;
    expect(crate.space.id).toBe(room);
    expect(crate.position()).toEqual({ x: 2, y: 0, z: 3 });
    expect(w.entities().filter((e) => e.id === id)).toHaveLength(1);
    expect(() => w.cluster.loadEntityOnGame(4, 'Crate', id)).toThrow(TsworldError);

    w.cluster.callNilSpaces('heard', ['hi']);
    expect(heard).toEqual([]);
    w.step(0.05);
    expect(heard).toEqual(['3:hi']);
    expect(w.cluster.onlineGames()).toEqual([3]);
  });

  it('has nothing in storage: entityExists answers false and listEntityIds nothing, in the async phase', () => {
    const w = world([]);
    const answers: unknown[] = [];
    w.cluster.entityExists('Crate', 'CrateCrateCrate1', (err, yes) => answers.push([err, yes]));
    w.cluster.listEntityIds('Crate', (err, ids) => answers.push([err, ids]));
    expect(answers).toEqual([]);
    w.step(0.05);
    expect(answers).toEqual([[null, false], [null, []]]);
    expect(() => w.cluster.entityExists('Crate', 'not an id', () => undefined)).toThrow(TsworldError);
  });
});
