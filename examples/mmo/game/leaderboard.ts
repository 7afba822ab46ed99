import { attr, defineService, t } from './engine.ts';

/** Entries each shard answers `top` with; the caller merges the shards' lists. */
export const TOP_PER_SHARD = 10;

/**
 * A season's leaderboard, sharded by player id (callServiceByKey), so each shard holds a quarter of the
 * players and no one shard takes every report. Players report the points they earn; `top` answers the
 * caller with a shard's best. Persistent: the season survives the loss of the game holding a shard (it
 * is loaded again on another game) and restarts. A cron entry starts a new season every Monday at
 * 00:00 UTC, on every shard at the same time, whatever game each one is on.
 */
export const Leaderboard = defineService({
  name: 'Leaderboard',
  shards: 4,
  persistent: true,
  attrs: {
    season: attr(t.int, { flags: ['persistent'], default: 1 }),
    points: attr(t.map(t.int), { flags: ['persistent'] }),
    names: attr(t.map(t.string), { flags: ['persistent'] }),
  },
  rpc: {
    add: {
      expose: 'server',
      args: [t.string, t.string, t.int],
      fn(e, playerId, name, points) {
        const all = e.attrs.map('points');
        all.set(playerId, (all.get(playerId) ?? 0) + points);
        e.attrs.map('names').set(playerId, name);
      },
    },
    top: {
      expose: 'server',
      args: [t.string],
      fn(e, caller) {
        const all = e.attrs.map('points');
        const names = e.attrs.map('names');
        const best = all.keys().sort((a, b) => (all.get(b) ?? 0) - (all.get(a) ?? 0)).slice(0, TOP_PER_SHARD);
        e.world.cluster.call(caller, 'topReply', [e.attrs.get('season'), best.map((id) => names.get(id) ?? id), best.map((id) => all.get(id) ?? 0)]);
      },
    },
    newSeason: {
      expose: 'server',
      args: [],
      fn(e) {
        e.attrs.set('season', e.attrs.get('season') + 1);
        e.attrs.set('points', {});
        e.attrs.set('names', {});
      },
    },
  },
  hooks: {
    onCreated(e) {
      // Each time the shard is made or loaded (storage keeps attributes, not timers); a hot swap keeps
      // the entry with the shard (onRestored runs then, not onCreated).
      e.cron('0 0 * * MON', 'newSeason');
    },
  },
});
