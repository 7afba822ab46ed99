import { DEFAULTS } from '../../config/deployment-schema.ts';
import { MSG, entityIdShard, ownedCopy } from '../../protocol/index.ts';
import { createParkingLink, type Link, type ParkingLink } from '../../transport/index.ts';
import { connectAuthenticated, linkAuthOptions } from '../shared/link-auth.ts';
import { fencedByStall } from './game-liveness.ts';
import type { GameState } from './game-state.ts';
import { announceSpaces } from './migration.ts';

/** Streams that supersede themselves: never parked for a missing dispatcher. */
const STREAMS: ReadonlySet<number> = new Set([MSG.POSITION_SYNC.id, MSG.POSITION_SYNC_SHARED.id]);

/**
 * One link per dispatcher, each a ParkingLink: if a dispatcher goes away (it crashed; the supervisor
 * restarts it), what the game sends it is parked, bounded, and the game reconnects with backoff. The
 * new link says hello as a restore with every entity of that dispatcher's shard, so a restarted
 * dispatcher rebuilds its directory from the games, and then the parked frames follow in order. A
 * dispatcher gone past the bound is given up, and the game exits as it did before reconnects existed.
 */
export async function connectDispatchers(s: GameState): Promise<void> {
  const { opts } = s;
  await Promise.all(
    opts.dispatchers.map(async (_d, i) => {
      const parking = createParkingLink({
        ...reconnectBounds(s),
        now: () => opts.runtime.clock.now(),
        isStream: (type) => STREAMS.has(type),
        onStreamDropped: () => opts.metrics?.streamRecords('dropped'),
        onOverflow: (why) => giveUp(s, i, why),
      });
      s.links[i] = parking;
      await connectOne(s, i, parking, s.restoredExtra !== null);
    }),
  );
}

function reconnectBounds(s: GameState): { maxBytes: number; maxMs: number } {
  const links = { ...DEFAULTS.links, ...s.opts.reconnectQueue };
  return { maxBytes: links.reconnectQueueMaxBytes, maxMs: links.reconnectQueueMaxMs };
}

/** Connects (and authenticates) one link; its first frame is the hello, then what was parked. */
async function connectOne(s: GameState, i: number, parking: ParkingLink, restore: boolean): Promise<void> {
  const { opts, codec, log } = s;
  const d = opts.dispatchers[i]!;
  const link = await connectAuthenticated(opts.runtime.net, {
    ...linkAuthOptions(opts),
    host: d.host,
    port: d.port,
    // A frame is acknowledged once applied, not on arrival: one queued for the tick or a freeze that dies
    // with this process is given to a re-placed service shard, or its caller answered (SPEC.md).
    ackWhen: 'owner',
    onFrame(type, body, l) {
      s.arrivals.take({ type, body: ownedCopy(body), from: { link: l, seq: l.framesIn } });
    },
    ...s.overload.linkOptions(i),
    onError: (err) => log.warn({ err, dispatcher: i + 1 }, 'dispatcher link error'),
    onClose: (closed, err) => onLost(s, i, closed, err),
  });
  s.overload.track(i, link);
  s.liveness.watch(link);
  const entityIds = restore ? s.world.entities().map((e) => e.id).filter((id) => entityIdShard(id, opts.dispatchers.length) === i) : [];
  codec.encodeTo(link, MSG.SET_GAME_ID, { gameId: opts.id, isRestore: restore, entityIds });
  s.services.declare(link, i, opts.dispatchers.length);
  announceSpaces(s, link);
  parking.attach(link);
  link.flush();
}

function onLost(s: GameState, i: number, closed: Link, err: Error | null): void {
  const parking = s.links[i] as ParkingLink;
  if (parking.attached !== closed) return;
  parking.detach();
  s.overload.untrack(i);
  if (s.run === 'stopping' || s.freezer.frozen || fencedByStall(s)) return;
  const { maxBytes, maxMs } = reconnectBounds(s);
  s.log.error({ err, dispatcher: i + 1, parkMaxBytes: maxBytes, parkMaxMs: maxMs }, 'lost the dispatcher; parking its frames and reconnecting');
  void reconnect(s, i, parking);
}

/** Tries again with backoff until the dispatcher is back or the parked queue passes its bound. */
async function reconnect(s: GameState, i: number, parking: ParkingLink): Promise<void> {
  const t0 = s.opts.runtime.clock.now();
  for (let attempt = 0; s.run !== 'stopping' && !parking.closed && !parking.attached; attempt++) {
    await new Promise((resolve) => s.opts.runtime.scheduler.schedule(() => resolve(undefined), Math.min(2000, 100 * 2 ** attempt)));
    // Parked frames age even while nothing is sent: the bound in time is checked here too.
    parking.flush();
    if (parking.closed || (s.run as GameState['run']) === 'stopping') return;
    try {
      await connectOne(s, i, parking, true);
      const ms = Math.round(s.opts.runtime.clock.now() - t0);
      s.log.info({ dispatcher: i + 1, ms, attempts: attempt + 1 }, 'dispatcher back: re-announced this game\'s entities, parked frames sent');
      return;
    } catch (err) {
      if (attempt === 0 || attempt % 10 === 0) s.log.warn({ err, dispatcher: i + 1, attempt: attempt + 1 }, 'dispatcher still unreachable');
    }
  }
}

function giveUp(s: GameState, i: number, why: string): void {
  if (s.run === 'stopping') return;
  s.log.error({ dispatcher: i + 1, why }, 'giving the dispatcher up; exiting so the deployment notices');
  (s.links[i] as ParkingLink).close();
  s.loop.stop();
  s.opts.onFatal?.(`lost dispatcher ${i + 1}: ${why}`);
}
