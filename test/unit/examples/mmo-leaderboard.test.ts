import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { t } from '../../../src/core/value-types.ts';
import type { GameWorld } from '../../../src/core/world-api.ts';
import { createGameWorld } from '../../../src/core/world.ts';
import { Leaderboard } from '../../../examples/mmo/game/leaderboard.ts';

// Sunday 2026-01-04, 23:00 UTC: the season ends at midnight.
const SUNDAY_NIGHT = Date.UTC(2026, 0, 4, 23, 0, 0);

/** The mmo's Leaderboard in a lone world (every shard here), on a wall clock that moves with the ticks. */
function setup() {
  const replies: { season: number; names: string[]; points: number[] }[] = [];
  const Asker = defineEntityType({
    name: 'Asker',
    rpc: {
      topReply: { expose: 'server', args: [t.int, t.list(t.string), t.list(t.int)], fn: (_e, season, names, points) => void replies.push({ season, names, points }) },
    },
  });
  const world: GameWorld = createGameWorld({
    entityTypes: [Asker], services: [Leaderboard], aoiFactory: createBruteForceAoi,
    wallClock: () => SUNDAY_NIGHT + world.now, onError: (e) => { throw e; },
  });
  const asker = world.createEntity('Asker');
  const run = (seconds: number, tickSec = 1) => {
    for (let i = 0; i < seconds / tickSec; i++) world.step(tickSec);
  };
  /** Every shard's best, merged: the board a player sees. */
  const board = () => {
    replies.length = 0;
    world.cluster.callServiceAll(Leaderboard, 'top', [asker]);
    // The call runs in the next async phase, its answer in the one after.
    run(2);
    expect(replies).toHaveLength(Leaderboard.shards);
    const rows = replies.flatMap((r) => r.names.map((name, i) => [name, r.points[i]] as const)).sort((a, b) => b[1] - a[1]);
    return { seasons: [...new Set(replies.map((r) => r.season))], rows };
  };
  return { world, run, board };
}

describe('mmo Leaderboard service', () => {
  it('sums the points each player reports on its shard, and a cron entry starts a new season on Monday 00:00 UTC', () => {
    const { world, run, board } = setup();
    let ready = false;
    world.cluster.servicesReady(() => (ready = true));
    run(3);
    expect(ready).toBe(true);
    const players = ['p-aaaa', 'p-bbbb', 'p-cccc'].map((name, i) => ({ id: `Player${i}`.padEnd(16, 'x'), name }));
    for (const [i, p] of players.entries()) for (let n = 0; n <= i; n++) world.cluster.callServiceByKey(Leaderboard, p.id, 'add', [p.id, p.name, 10]);
    run(1);
    expect(board()).toEqual({ seasons: [1], rows: [['p-cccc', 30], ['p-bbbb', 20], ['p-aaaa', 10]] });

    run(3600, 60);
    expect(board()).toEqual({ seasons: [2], rows: [] });
    world.cluster.callServiceByKey(Leaderboard, players[0]!.id, 'add', [players[0]!.id, 'p-aaaa', 1]);
    // All of Monday and Tuesday: the next season starts next Monday only.
    run(2 * 86_400, 600);
    expect(board()).toEqual({ seasons: [2], rows: [['p-aaaa', 1]] });
  });
});
