import type { AttrDecls } from '../core/attr-decl.ts';
import type { AnyEntityType, RpcSignatures } from '../core/entity-type.ts';
import type { Infer, InferTuple, TypeSpec } from '../core/value-types.ts';
import type { ClientEntity } from './client.ts';
import { splitRequestArgs, type RequestOptions } from './requests.ts';

/**
 * The client SDK's view of a game's types, taken from the game module by a type-only import, so the
 * server's declarations are the one source: `connectClient<typeof game>(...)`. Nothing here exists at
 * run time; the server still checks every call's method and arguments.
 */

/**
 * What a game module must look like to type a client: its entity types (defineGame keeps them as a
 * tuple). GameTypes itself, the default, types nothing: any method name and arguments compile.
 */
export interface GameTypes {
  readonly entityTypes: readonly AnyEntityType[];
}

/** The union of a game's entity types. */
export type EntityTypeOf<G extends GameTypes> = G['entityTypes'][number];

type RpcOf<T> = T extends { readonly __rpc?: infer R extends RpcSignatures } ? R : never;
type ClientRpcOf<T> = T extends { readonly __clientRpc?: infer C extends RpcSignatures } ? C : never;
type AttrsOf<T> = T extends { readonly __attrs?: infer D extends AttrDecls } ? D : never;

/** The arguments of one table entry, inferred from its specs. */
type ArgsOf<A> = A extends readonly TypeSpec[] ? InferTuple<A> : never;

/** `me.call.echo(1)`: one function per RPC of the type, with its declared argument types. */
export type CallProxy<T> = { readonly [K in keyof RpcOf<T> & string]: (...args: ArgsOf<RpcOf<T>[K]>) => void };

/**
 * `await me.request.greet('x', { timeoutMs: 500 })`: one function per RPC, resolving with what the server
 * method returned (its type is not declared, so it is `unknown` unless given: `me.request.greet<string>(...)`).
 */
export type RequestProxy<T> = {
  readonly [K in keyof RpcOf<T> & string]: <V = unknown>(...args: ArgsOf<RpcOf<T>[K]> | [...ArgsOf<RpcOf<T>[K]>, RequestOptions]) => Promise<V>;
};

/**
 * Attributes as far as a client sees them: the declared ones, each possibly absent (server-only ones
 * never arrive, and an entity's client attributes arrive with its creation).
 */
export type ClientAttrs<T> = { readonly [K in keyof AttrsOf<T>]?: Infer<AttrsOf<T>[K]['spec']> };

/** A typed handle on one entity the client may call: `client.entity<typeof Player>(id)`. */
export interface EntityHandle<T> {
  readonly id: string;
  readonly call: CallProxy<T>;
  /** Request/response: as `call`, but answered with the method's return value (or a RequestError). */
  readonly request: RequestProxy<T>;
  /** The mirrored attributes, or {} while the entity is not (or no longer) in view. */
  readonly attrs: ClientAttrs<T>;
  /** The mirror of the entity (position, type name), or undefined while it is not in view. */
  readonly mirror: ClientEntity | undefined;
}

/** Every method the game's server code calls on clients, merged across its entity types. */
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
export type ClientMethods<G extends GameTypes> = UnionToIntersection<ClientRpcOf<EntityTypeOf<G>>>;

/** A server-to-client call handler: the declared arguments, then the entity the call is for. */
export type ClientCallHandler<G extends GameTypes, M extends keyof ClientMethods<G>> = (
  ...args: [...ArgsOf<ClientMethods<G>[M]>, entity: ClientEntity]
) => void;

/** Builds a handle; `call` is a proxy so any declared method name maps to one CALL message. */
export function entityHandle<T>(
  id: string,
  call: (entityId: string, method: string, args: unknown[]) => void,
  lookup: (entityId: string) => ClientEntity | undefined,
  request: (entityId: string, method: string, args: readonly unknown[], options?: RequestOptions) => Promise<unknown>,
): EntityHandle<T> {
  const proxy = new Proxy(Object.create(null) as object, {
    get: (_target, method) => (typeof method === 'string' ? (...args: unknown[]) => call(id, method, args) : undefined),
  }) as CallProxy<T>;
  const requests = new Proxy(Object.create(null) as object, {
    get: (_target, method) => {
      if (typeof method !== 'string') return undefined;
      return (...all: unknown[]) => {
        const { args, options } = splitRequestArgs(all);
        return request(id, method, args, options);
      };
    },
  }) as RequestProxy<T>;
  return {
    id,
    call: proxy,
    request: requests,
    get attrs() {
      return (lookup(id)?.attrs ?? {}) as ClientAttrs<T>;
    },
    get mirror() {
      return lookup(id);
    },
  };
}
