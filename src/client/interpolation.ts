import type { ClientEntity, TsworldClient } from './client.ts';

/** A position at one moment (ms on the interpolator's clock). */
export interface Pose {
  x: number;
  y: number;
  z: number;
  yaw: number;
}

interface Snapshot extends Pose {
  readonly at: number;
}

export interface InterpolationOptions {
  /**
   * How far behind the latest snapshot the rendered position runs, in ms (default 100: two position
   * syncs at the default 10 Hz, so there is almost always a snapshot on each side of the render time).
   */
  delayMs?: number;
  /** Snapshots kept per entity (default 16); older ones are dropped. */
  maxSnapshots?: number;
  /** The clock snapshots are stamped with and sampled at (default performance.now). */
  now?: () => number;
}

export interface Interpolator {
  /** Records where `entities` are now (what a `positions` or `create` event carries). */
  push(entities: Iterable<ClientEntity>, at?: number): void;
  /**
   * Where `entityId` was `delayMs` ago: between the two snapshots around that moment, linearly (yaw the
   * short way round); before the first snapshot, the first; past the last, the last (no extrapolation).
   * Undefined for an entity never pushed.
   */
  sample(entityId: string, at?: number): Pose | undefined;
  forget(entityId: string): void;
  /** Forgets every entity (the client lost its player and everything it saw). */
  clear(): void;
  /** Stops following a client (only for one made by `interpolate`). */
  dispose(): void;
}

function lerpAngle(a: number, b: number, f: number): number {
  let d = (b - a) % (2 * Math.PI);
  if (d > Math.PI) d -= 2 * Math.PI;
  if (d < -Math.PI) d += 2 * Math.PI;
  return a + d * f;
}

function between(s0: Snapshot, s1: Snapshot, at: number): Pose {
  const f = s1.at === s0.at ? 1 : (at - s0.at) / (s1.at - s0.at);
  return { x: s0.x + (s1.x - s0.x) * f, y: s0.y + (s1.y - s0.y) * f, z: s0.z + (s1.z - s0.z) * f, yaw: lerpAngle(s0.yaw, s1.yaw, f) };
}

/**
 * Snapshot interpolation: positions arrive in bursts (the server's position sync, 10 Hz by default), and
 * drawing them as they come makes others jump. Rendering a little in the past, between two known
 * snapshots, moves them smoothly at the cost of `delayMs` of latency.
 */
export function createInterpolator(options: InterpolationOptions = {}): Interpolator {
  const delay = options.delayMs ?? 100;
  const max = Math.max(2, options.maxSnapshots ?? 16);
  const now = options.now ?? (() => performance.now());
  const tracks = new Map<string, Snapshot[]>();
  return {
    push(entities, at = now()) {
      for (const e of entities) {
        let track = tracks.get(e.id);
        if (!track) tracks.set(e.id, (track = []));
        const last = track[track.length - 1];
        // Two pushes in one moment: the later position wins.
        if (last && last.at >= at) track.pop();
        track.push({ at, x: e.x, y: e.y, z: e.z, yaw: e.yaw });
        if (track.length > max) track.splice(0, track.length - max);
      }
    },
    sample(entityId, at = now()) {
      const track = tracks.get(entityId);
      if (!track || track.length === 0) return undefined;
      const t = at - delay;
      if (t <= track[0].at) return { ...track[0] };
      for (let i = track.length - 1; i > 0; i--) {
        if (track[i - 1].at <= t) return t >= track[i].at ? pose(track[i]) : between(track[i - 1], track[i], t);
      }
      return pose(track[track.length - 1]);
    },
    forget(entityId) {
      tracks.delete(entityId);
    },
    clear() {
      tracks.clear();
    },
    dispose() {},
  };
}

function pose(s: Snapshot): Pose {
  return { x: s.x, y: s.y, z: s.z, yaw: s.yaw };
}

/** An interpolator fed by a client's events: created and moved entities pushed, destroyed ones forgotten. */
export function interpolate(client: Pick<TsworldClient, 'on'>, options: InterpolationOptions = {}): Interpolator {
  const interpolator = createInterpolator(options);
  const offs = [
    client.on('create', (e) => interpolator.push([e])),
    client.on('positions', (moved) => interpolator.push(moved)),
    client.on('destroy', (e) => interpolator.forget(e.id)),
    client.on('lost', () => interpolator.clear()),
  ];
  return { ...interpolator, dispose: () => offs.forEach((off) => off()) };
}
