import { createHash } from 'node:crypto';
import type { AttrDecls } from './attr-decl.ts';
import type { EntityId } from './entity-id.ts';
import { defineEntityType, type EntityType, type EntityTypeDecl } from './entity-type.ts';
import { TsworldError } from './errors.ts';
import type { TypeSpec } from './value-types.ts';

/** Most shards a service may have: each shard is one entity, placed and watched by the dispatchers. */
export const MAX_SERVICE_SHARDS = 1024;

export interface ServiceDecl<D extends AttrDecls, R extends Record<string, readonly TypeSpec[]>> extends EntityTypeDecl<D, R> {
  /** How many instances, cluster-wide (default 1). Each is an entity with an id derived from (name, index). */
  readonly shards?: number;
}

/**
 * A cluster singleton (or a fixed set of them): an entity type the cluster itself creates, one entity per
 * shard, with ids derived from the service name and shard index so that every game can address a shard
 * without a lookup, and the dispatchers can place and re-place it (see src/roles/dispatcher/services.ts).
 */
export interface ServiceType<D extends AttrDecls = AttrDecls, R extends Record<string, readonly TypeSpec[]> = Record<string, readonly TypeSpec[]>> {
  readonly kind: 'service';
  readonly name: string;
  readonly shards: number;
  readonly persistent: boolean;
  readonly type: EntityType<D, R>;
  /** Shard index → entity id, the same in every process and across restarts. */
  readonly shardIds: readonly EntityId[];
}

export type AnyServiceType = ServiceType<AttrDecls, Record<string, readonly TypeSpec[]>>;

/**
 * Declares a service. Everything an entity type takes, plus `shards`. Validated here, so a bad one fails
 * at startup with INVALID_DECLARATION.
 *
 * ```ts
 * const Online = defineService({
 *   name: 'OnlineService', shards: 4,
 *   attrs: { count: attr(t.int) },
 *   rpc: { join: { expose: 'server', args: [t.string], fn: (e, room) => { ... } } },
 * });
 * world.cluster.callServiceByKey(Online, room, 'join', [room]);
 * ```
 */
export function defineService<D extends AttrDecls = Record<never, never>, const R extends Record<string, readonly TypeSpec[]> = Record<never, never>>(
  decl: ServiceDecl<D, R>,
): ServiceType<D, R> {
  const shards = decl.shards ?? 1;
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SERVICE_SHARDS) {
    throw new TsworldError('INVALID_DECLARATION', `service ${decl.name}: shards must be an integer from 1 to ${MAX_SERVICE_SHARDS}`);
  }
  const type = defineEntityType<D, R>(decl);
  return Object.freeze({
    kind: 'service',
    name: type.name,
    shards,
    persistent: type.persistent,
    type,
    shardIds: Object.freeze(Array.from({ length: shards }, (_, i) => serviceShardId(type.name, i))),
  });
}

/**
 * The entity id of one shard: 12 bytes of SHA-256 over the name and index, as base64url (the 16
 * characters of any entity id). Generated ids start with a timestamp, so a collision is as unlikely as
 * between two random 96-bit values.
 */
export function serviceShardId(name: string, index: number): EntityId {
  return createHash('sha256').update(`tsworld-service\0${name}\0${index}`).digest().subarray(0, 12).toString('base64url');
}

/**
 * The shard a key belongs to: FNV-1a (32 bit) over the key's UTF-8 bytes, modulo the shard count. Fixed
 * forever: a persistent service's data is sharded by it, so it must give the same shard after a restart.
 */
export function shardOfKey(key: string | number, shards: number): number {
  const bytes = Buffer.from(String(key), 'utf8');
  let h = 0x811c9dc5;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
}
