import { attr, defineService, t } from 'tsworld';

/** A member not heard from for this long is dropped: its avatar went with a game that died. */
const STALE_MS = 30_000;

/**
 * Who is online, per room: GoWorld's OnlineService, sharded by room name (callServiceByKey), so one
 * room's members are all on one shard. In memory only: if its game dies, the shard starts again empty
 * on another game, and the avatars' heartbeats (every 10 s) fill it again within one period. Every
 * change of a room's count is sent to that room's clients (`onOnline(room, count)`).
 */
export const OnlineService = defineService({
  name: 'OnlineService',
  shards: 2,
  attrs: {
    // room -> avatar id -> world time it was last heard from.
    rooms: attr(t.map(t.map(t.float))),
  },
  rpc: {
    enter: {
      expose: 'server',
      args: [t.string, t.string],
      fn(e, room, avatarId) {
        const members = e.attrs.map('rooms');
        if (!members.has(room)) members.set(room, {});
        const isNew = !members.map(room).has(avatarId);
        members.map(room).set(avatarId, e.world.now);
        const count = members.map(room).keys().length;
        if (isNew) e.world.cluster.callFilteredClients('chatroom', '=', room, 'onOnline', [room, count]);
        // The avatar that just came in may not be in the room's filter yet: it hears the count directly.
        e.world.cluster.call(avatarId, 'onlineCount', [room, count]);
      },
    },
    leave: {
      expose: 'server',
      args: [t.string, t.string],
      fn(e, room, avatarId) {
        const members = e.attrs.map('rooms');
        if (!members.has(room) || !members.map(room).delete(avatarId)) return;
        e.world.cluster.callFilteredClients('chatroom', '=', room, 'onOnline', [room, members.map(room).keys().length]);
      },
    },
    /** Run by the cron entry: forgets members whose avatar stopped sending heartbeats. */
    sweep: {
      expose: 'server',
      args: [],
      fn(e) {
        const members = e.attrs.map('rooms');
        for (const room of members.keys()) {
          const inRoom = members.map(room);
          const stale = inRoom.keys().filter((id) => e.world.now - (inRoom.get(id) ?? 0) > STALE_MS);
          for (const id of stale) inRoom.delete(id);
          if (stale.length > 0) e.world.cluster.callFilteredClients('chatroom', '=', room, 'onOnline', [room, inRoom.keys().length]);
        }
      },
    },
  },
  hooks: {
    onCreated(e) {
      // Every 10 seconds; kept across hot swaps with the shard.
      e.cron('*/10 * * * * *', 'sweep');
    },
  },
});
