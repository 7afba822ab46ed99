import type { RpcSignatures } from './entity-type.ts';
import type { InferTuple, TypeSpec } from './value-types.ts';

/**
 * Compile-time checks of calls made BY NAME from server code (timers, cron, callClient, cluster.call):
 * the method must be in the target's RPC table and the arguments must fit its specs. A table typed only
 * as RpcSignatures (an entity whose type is not known statically, or a type that declares no clientRpc)
 * checks nothing, as before; the runtime checks stay either way.
 */

/** The argument values of one RPC table entry. */
export type RpcArgs<A> = A extends readonly TypeSpec[] ? InferTuple<A> : never;

/** Whether a table is the open RpcSignatures (any name) rather than a declared one. */
type IsOpen<R> = string extends keyof R ? true : false;

/** `method, args` for a method of R: args may be left out only when the method takes none. */
export type MethodCall<R extends RpcSignatures> =
  IsOpen<R> extends true
    ? [method: string, args?: readonly unknown[]]
    : { [K in keyof R & string]: RpcArgs<R[K]> extends [] ? [method: K, args?: readonly []] : [method: K, args: Readonly<RpcArgs<R[K]>>] }[keyof R & string];

/** `delayMs, method, args, options` of a timer: MethodCall with the timer's options after the arguments. */
export type TimerCall<R extends RpcSignatures, O> =
  IsOpen<R> extends true
    ? [method: string, args?: readonly unknown[], options?: O]
    : { [K in keyof R & string]: [method: K, args: Readonly<RpcArgs<R[K]>>, options?: O] | (RpcArgs<R[K]> extends [] ? [method: K] : never) }[keyof R & string];

/** A client call: checked against the type's declared clientRpc; a type that declares none checks nothing. */
export type ClientCall<C extends RpcSignatures> = [keyof C] extends [never] ? [method: string, args?: readonly unknown[]] : MethodCall<C>;

/** The RPC table of an entity type, from its phantom. */
export type RpcTableOf<T> = T extends { readonly __rpc?: infer R extends RpcSignatures } ? R : RpcSignatures;
