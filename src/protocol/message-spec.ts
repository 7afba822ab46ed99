import { TsworldError } from '../core/errors.ts';
import type { FieldDef, FieldsValue } from './fields.ts';
import { KEY_SIZE, type KeyKind, type KeyTypes } from './routing-key.ts';

/**
 * Message types live in numeric ranges; the range alone says who handles a frame, so routing is
 * arithmetic on the u16 type plus (for the dispatcher) one lookup of `target` in the table.
 */
export const RANGES = {
  internal: { min: 1, max: 999 },
  toClient: { min: 1000, max: 1499 },
  gate: { min: 1500, max: 1999 },
  fromClient: { min: 2000, max: 2499 },
} as const;

export type RouteClass = keyof typeof RANGES;

export function routeClassOf(type: number): RouteClass | null {
  if (type >= 1 && type <= 999) return 'internal';
  if (type >= 1000 && type <= 1499) return 'toClient';
  if (type >= 1500 && type <= 1999) return 'gate';
  if (type >= 2000 && type <= 2499) return 'fromClient';
  return null;
}

/**
 * What the dispatcher does with a frame of this type:
 * - `dispatcher`: it handles the frame itself (directory, load balancing, freeze, services);
 * - `entity`: forward to the game owning the key entity (queued while it migrates or its game freezes);
 * - `game`: forward to the game id in the key;
 * - `gate`: forward to the gate id in the key;
 * - `allGames` / `allGates`: broadcast;
 * - `split`: fixed-size records, each forwarded to the game owning the record's entity;
 * - `peer`: point-to-point between a process and its dispatcher, never forwarded;
 * - `gateLocal`: client→gate, never reaches a dispatcher as is.
 */
export type RouteTarget =
  | 'dispatcher'
  | 'entity'
  | 'game'
  | 'gate'
  | 'allGames'
  | 'allGates'
  | 'split'
  | 'peer'
  | 'gateLocal';

export interface MessageSpec<
  K extends KeyKind = KeyKind,
  F extends readonly FieldDef[] = readonly FieldDef[],
> {
  readonly id: number;
  readonly name: string;
  readonly route: RouteClass;
  readonly target: RouteTarget;
  readonly key: K;
  /** KEY_SIZE[key], resolved once: hot paths read it per frame, and a lookup by key name there is megamorphic. */
  readonly keySize: number;
  /** Fields of the msgpack part after the key, in wire order; null for raw-binary bodies. */
  readonly fields: F | null;
  /** Who sends it to whom, for SPEC.md and logs. */
  readonly direction: string;
  /** The msgpack part carries client bytes: decoders check it against the strict dialect first. */
  readonly untrusted: boolean;
}

/** The decoded value of a message: its key fields plus its msgpack fields. */
export type MessageValue<S> =
  S extends MessageSpec<infer K, infer F> ? KeyTypes[K] & FieldsValue<F> : never;

export function defineMessage<
  const K extends KeyKind,
  const F extends readonly FieldDef[],
>(def: {
  id: number;
  name: string;
  target: RouteTarget;
  key: K;
  fields: F | null;
  direction: string;
  untrusted?: boolean;
}): MessageSpec<K, F> {
  const route = routeClassOf(def.id);
  if (route === null) {
    throw new TsworldError('INVALID_DECLARATION', `message ${def.name}: id ${def.id} is outside every range`);
  }
  // Built field by field in one order, not spread from `def`: every spec then has one hidden class, so
  // the codec's and the routers' `spec.route` / `spec.target` / `spec.id` loads stay monomorphic. Spread
  // from the definition literals, the 68 specs had 53 hidden classes, and megamorphic property loads were
  // 1.6% of a dispatcher's samples at 1000 clients (benchmarks/peers/profile-peer.ts).
  return Object.freeze({
    id: def.id,
    name: def.name,
    route,
    target: def.target,
    key: def.key,
    keySize: KEY_SIZE[def.key],
    fields: def.fields,
    direction: def.direction,
    untrusted: def.untrusted ?? false,
  });
}
