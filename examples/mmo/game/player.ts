import { attr, defineEntityType, nilSpaceId, t, type AnyEntity } from './engine.ts';
import { Leaderboard } from './leaderboard.ts';
import { PORTAL_COOLDOWN_MS, beaconId, inPortal, peerGame, randomSpot, worldSpaceId } from './layout.ts';
import { TAG } from './version.ts';

const ENTER_RETRY_MS = 100;
const PORTAL_CHECK_MS = 200;

function enterWorld(e: Pick<AnyEntity, 'world' | 'timers' | 'enterSpace'>): void {
  const space = worldSpaceId(e.world);
  // A client may connect before this game's World exists (deployment ready not yet seen): try again.
  if (space === undefined) return void e.timers.add(ENTER_RETRY_MS, 'enterWorld');
  e.enterSpace(space);
}

/**
 * The boot entity: one per connection. Its client drives its position (clientSyncing), a timer raises
 * its score, and two RPCs measure the cluster: echo (answered by this game) and crossCall (answered
 * after a round trip through the other game's Beacon).
 */
export const Player = defineEntityType({
  name: 'Player',
  attrs: {
    name: attr(t.string, { flags: ['allClients'] }),
    score: attr(t.int, { flags: ['client'] }),
    gameId: attr(t.int, { flags: ['client'] }),
    /** Portal trips so far: carried across every migration with the other attributes. */
    hops: attr(t.int, { flags: ['client'] }),
    /** Just arrived through the portal: it is ignored until the cooldown timer clears this. */
    portalCooling: attr(t.bool),
  },
  rpc: {
    echo: {
      expose: 'ownClient',
      args: [t.int],
      fn(e, seq) {
        e.callClient('onEcho', [seq, TAG]);
      },
    },
    crossCall: {
      expose: 'ownClient',
      args: [t.int],
      fn(e, seq) {
        e.world.cluster.call(beaconId(peerGame(e.world.gameId)), 'ping', [e.id, seq]);
      },
    },
    crossReply: {
      expose: 'server',
      args: [t.int, t.int],
      fn(e, seq, gameId) {
        e.callClient('onCross', [seq, gameId]);
      },
    },
    addScore: {
      expose: 'server',
      args: [t.int],
      fn(e, points) {
        e.attrs.set('score', e.attrs.get('score') + points);
        // The player's shard of the leaderboard: the same one every time (a stable hash of its id).
        e.world.cluster.callServiceByKey(Leaderboard, e.id, 'add', [e.id, e.attrs.get('name'), points]);
      },
    },
    /** Asks every leaderboard shard for its best; each answers with topReply. */
    leaderboard: {
      expose: 'ownClient',
      args: [],
      fn(e) {
        e.world.cluster.callServiceAll(Leaderboard, 'top', [e.id]);
      },
    },
    topReply: {
      expose: 'server',
      args: [t.int, t.list(t.string), t.list(t.int)],
      fn(e, season, names, points) {
        e.callClient('onTop', [season, names, points]);
      },
    },
    enterWorld: {
      expose: 'server',
      args: [],
      fn(e) {
        enterWorld(e);
      },
    },
    /** Every PORTAL_CHECK_MS: standing in the portal of a World moves the player to the other game's. */
    checkPortal: {
      expose: 'server',
      args: [],
      fn(e) {
        if (e.attrs.get('portalCooling') || e.space.kind !== 'World' || !inPortal(e.position())) return;
        e.attrs.set('portalCooling', true);
        // The other game's nil space: on arrival (onMigrateIn) the player enters that game's World.
        e.enterSpace(nilSpaceId(peerGame(e.world.gameId)));
      },
    },
    portalReady: {
      expose: 'server',
      args: [],
      fn(e) {
        e.attrs.set('portalCooling', false);
      },
    },
  },
  // What this type's server code calls on its client: types a client's `on('call', 'onEcho', ...)`.
  clientRpc: {
    onEcho: [t.int, t.string],
    onCross: [t.int, t.int],
    onTop: [t.int, t.list(t.string), t.list(t.int)],
  },
  hooks: {
    onCreated(e, world) {
      e.attrs.set('name', `p-${e.id.slice(-4)}`);
      e.attrs.set('gameId', world.gameId);
      const spot = randomSpot();
      e.setPosition(spot.x, spot.y, spot.z);
      e.setClientSyncing(true);
      e.timers.add(1000, 'addScore', [1], { repeat: true });
      e.timers.add(PORTAL_CHECK_MS, 'checkPortal', [], { repeat: true });
      enterWorld(e);
    },
    onMigrateIn(e, world) {
      // Its timers (score, portal check) came along with their remaining time; the attributes too.
      e.attrs.set('gameId', world.gameId);
      e.attrs.set('hops', e.attrs.get('hops') + 1);
      e.timers.add(PORTAL_COOLDOWN_MS, 'portalReady');
      enterWorld(e);
    },
    onMigrateFailed(e) {
      e.timers.add(PORTAL_COOLDOWN_MS, 'portalReady');
    },
    onClientDisconnected(e) {
      e.destroy();
    },
  },
});
