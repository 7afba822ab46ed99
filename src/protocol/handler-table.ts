import { TsworldError } from '../core/errors.ts';
import type { MessageFields, WireCodec } from './codec.ts';
import type { MessageSpec, MessageValue } from './message-spec.ts';
import { ProtocolError } from './wire-errors.ts';

/**
 * A handler of a structured message: gets the body decoded with the message's codec, never decodes
 * itself. On the client side (`keyless`) the value has no routing key: the gate stripped it.
 */
export type DecodedHandler<C, S extends MessageSpec, V = MessageValue<S>> = (ctx: C, message: V, body: Uint8Array) => void;

/** A handler of a raw-bodied message (positions, heartbeats) or one routed by its key alone. */
export type RawHandler<C> = (ctx: C, body: Uint8Array) => void;

export type DispatchResult = 'handled' | 'unhandled' | ProtocolError;

/**
 * One handler per message type, registered against the protocol table: a role is its state plus one of
 * these per peer kind. `types` lists what the role handles, which the message-table test checks
 * against the senders in src/.
 */
export interface HandlerTable<C> {
  readonly types: ReadonlySet<number>;
  /** Decodes (structured messages) and runs the handler; a body that does not decode is returned, not thrown. */
  dispatch(ctx: C, type: number, body: Uint8Array): DispatchResult;
}

export interface HandlerTableBuilder<C, K extends boolean = false> {
  on<S extends MessageSpec>(spec: S, handler: DecodedHandler<C, S, K extends true ? MessageFields<S> : MessageValue<S>>): HandlerTableBuilder<C, K>;
  raw(spec: MessageSpec, handler: RawHandler<C>): HandlerTableBuilder<C, K>;
  build(): HandlerTable<C>;
}

/**
 * Starts a table. Server roles decode full bodies (key · msgpack); a client (`{ keyless: true }`)
 * decodes what the gate delivers, the msgpack part without the key.
 */
export function handlerTable<C>(codec: WireCodec): HandlerTableBuilder<C>;
export function handlerTable<C>(codec: WireCodec, options: { keyless: true }): HandlerTableBuilder<C, true>;
export function handlerTable<C>(codec: WireCodec, options: { keyless?: boolean } = {}): HandlerTableBuilder<C, boolean> {
  const decode = (spec: MessageSpec, body: Uint8Array) => (options.keyless ? codec.decodeFields(spec, body) : codec.decode(spec, body));
  const handlers = new Map<number, (ctx: C, body: Uint8Array) => DispatchResult>();
  const add = (spec: MessageSpec, run: (ctx: C, body: Uint8Array) => DispatchResult) => {
    if (handlers.has(spec.id)) throw new TsworldError('INVALID_DECLARATION', `${spec.name} has two handlers`);
    handlers.set(spec.id, run);
  };
  const builder: HandlerTableBuilder<C, boolean> = {
    on(spec, handler) {
      if (spec.fields === null) throw new TsworldError('INVALID_DECLARATION', `${spec.name} has a raw body: register it with raw()`);
      add(spec, (ctx, body) => {
        const message = decode(spec, body);
        if (message instanceof ProtocolError) return message;
        (handler as (ctx: C, message: unknown, body: Uint8Array) => void)(ctx, message, body);
        return 'handled';
      });
      return builder;
    },
    raw(spec, handler) {
      add(spec, (ctx, body) => {
        handler(ctx, body);
        return 'handled';
      });
      return builder;
    },
    build() {
      return {
        types: new Set(handlers.keys()),
        dispatch(ctx, type, body) {
          const run = handlers.get(type);
          return run === undefined ? 'unhandled' : run(ctx, body);
        },
      };
    },
  };
  return builder;
}
