import { attr, defineEntityType, isEntityId, t } from 'tsworld';
import type { Entity } from 'tsworld';
import type { Account } from './account.ts';
import { OnlineService } from './online-service.ts';

const MAX_CHAT = 500;
const ROOM = /^[A-Za-z0-9_-]{1,32}$/;
/** What the first session of an account hears when a second login takes the avatar over. */
export const LOGGED_IN_ELSEWHERE = 'logged in elsewhere';
/** A takeover whose new client never arrives (it left during the login) ends the avatar after this. */
const TAKEOVER_WAIT_MS = 10_000;

const avatarAttrs = {
  name: attr(t.string, { flags: ['allClients', 'persistent'] }),
  chatroom: attr(t.string, { flags: ['client', 'persistent'], default: 'lobby' }),
  /** A second login is taking this avatar over: the client that goes now is not the player leaving. */
  takingOver: attr(t.bool),
  /** The online heartbeat's timer, so a new client does not start a second one. */
  heartbeatTimer: attr(t.int),
};

/** A player's persistent avatar: its name and room survive logout, and chat goes to its room only. */
export const Avatar = defineEntityType({
  name: 'Avatar',
  persistent: true,
  attrs: avatarAttrs,
  rpc: {
    sendChat: {
      expose: 'ownClient',
      args: [t.string],
      fn(e, text) {
        const line = text.trim().slice(0, MAX_CHAT);
        if (line.length === 0) return;
        // Every line that starts with the command is one, so a bad room name is an error, never chat.
        const join = /^\/join(?:\s+(.*))?$/s.exec(line);
        if (join) {
          const room = (join[1] ?? '').trim();
          if (!ROOM.test(room)) return e.callClient('onSystem', [`bad room name: '${room}' (1 to 32 letters, digits, _ or -)`]);
          const was = e.attrs.get('chatroom');
          e.attrs.set('chatroom', room);
          e.world.cluster.setClientFilterProp(e.id, 'chatroom', room);
          e.world.cluster.callServiceByKey(OnlineService, was, 'leave', [was, e.id]);
          e.world.cluster.callServiceByKey(OnlineService, room, 'enter', [room, e.id]);
          return e.callClient('onSystem', [`you joined #${room}`]);
        }
        const room = e.attrs.get('chatroom');
        e.world.cluster.callFilteredClients('chatroom', '=', room, 'onChat', [e.attrs.get('name'), room, line]);
      },
    },
    /** Sends `seq` to another avatar, wherever it runs; the target tells its client. Shows cross-game RPC order. */
    relay: {
      expose: 'ownClient',
      args: [t.string, t.int],
      fn(e, targetId, seq) {
        // The id comes from a client: check it, or cluster.call refuses it (INVALID_ARGUMENT) as a failed handler.
        if (!isEntityId(targetId)) return e.callClient('onSystem', ['relay: not an entity id']);
        e.world.cluster.call(targetId, 'relayed', [e.attrs.get('name'), seq]);
      },
    },
    relayed: {
      expose: 'server',
      args: [t.string, t.int],
      fn(e, from, seq) {
        e.callClient('onRelayed', [from, seq, e.world.gameId]);
      },
    },
    /** The OnlineService's answer to `enter`: this client's room count, before its filter may match. */
    onlineCount: {
      expose: 'server',
      args: [t.string, t.int],
      fn(e, room, count) {
        if (room === e.attrs.get('chatroom')) e.callClient('onOnline', [room, count]);
      },
    },
    /** Every 10 s while the player is online, so the OnlineService forgets avatars lost with their game. */
    heartbeat: {
      expose: 'server',
      args: [],
      fn(e) {
        const room = e.attrs.get('chatroom');
        e.world.cluster.callServiceByKey(OnlineService, room, 'enter', [room, e.id]);
      },
    },
    /**
     * A login's Account asks for the avatar; once any session playing it now is closed (4010 with the
     * reason, which its page shows), the Account is told to hand its client over. The round trip keeps
     * the order kick → give. (Not a callClient to the old session: queued client calls go to whichever
     * client is bound when they are sent, which may already be the new one.)
     */
    takeOver: {
      expose: 'server',
      args: [t.string],
      fn(e, accountId) {
        if (e.client !== null) {
          e.attrs.set('takingOver', true);
          e.world.cluster.kickClient(e.id, LOGGED_IN_ELSEWHERE);
          e.timers.add(TAKEOVER_WAIT_MS, 'endIfAbandoned');
        }
        e.world.cluster.call<typeof Account>(accountId, 'handOver', [e.id]);
      },
    },
    endIfAbandoned: {
      expose: 'server',
      args: [],
      fn(e) {
        e.attrs.set('takingOver', false);
        if (e.client === null) leave(e);
      },
    },
    whereAmI: {
      expose: 'ownClient',
      args: [],
      fn(e) {
        e.callClient('onWhere', [e.world.gameId]);
      },
    },
  },
  hooks: {
    onClientConnected(e) {
      e.world.cluster.setClientFilterProp(e.id, 'chatroom', e.attrs.get('chatroom'));
      e.callClient('onSystem', [`welcome ${e.attrs.get('name')}, you are in #${e.attrs.get('chatroom')}`]);
      const room = e.attrs.get('chatroom');
      e.world.cluster.callServiceByKey(OnlineService, room, 'enter', [room, e.id]);
      if (e.attrs.get('takingOver')) e.attrs.set('takingOver', false);
      if (e.attrs.get('heartbeatTimer') === 0) e.attrs.set('heartbeatTimer', e.timers.add(10_000, 'heartbeat', [], { repeat: true }));
    },
    onClientDisconnected(e) {
      // The first session of a takeover: the avatar waits for the second (it keeps its room).
      if (e.attrs.get('takingOver')) return;
      leave(e);
    },
  },
});

/** As in GoWorld's demo: an avatar lives while its player is online; destroy saves it. */
function leave(e: Entity<typeof avatarAttrs>): void {
  const room = e.attrs.get('chatroom');
  e.world.cluster.callServiceByKey(OnlineService, room, 'leave', [room, e.id]);
  e.destroy();
}
