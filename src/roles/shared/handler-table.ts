import { TsworldError } from '../../core/errors.ts';
import { ProtocolError, type MessageSpec, type MessageValue, type WireCodec } from '../../protocol/index.ts';

/** A handler of a structured message: gets the body decoded with the message's codec, never decodes itself. */
export type DecodedHandler<C, S extends MessageSpec> = (ctx: C, message: MessageValue<S>, body: Uint8Array) => void;

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

export interface HandlerTableBuilder<C> {
  on<S extends MessageSpec>(spec: S, handler: DecodedHandler<C, S>): HandlerTableBuilder<C>;
  raw(spec: MessageSpec, handler: RawHandler<C>): HandlerTableBuilder<C>;
  build(): HandlerTable<C>;
}

export function handlerTable<C>(codec: WireCodec): HandlerTableBuilder<C> {
  const handlers = new Map<number, (ctx: C, body: Uint8Array) => DispatchResult>();
  const add = (spec: MessageSpec, run: (ctx: C, body: Uint8Array) => DispatchResult) => {
    if (handlers.has(spec.id)) throw new TsworldError('INVALID_DECLARATION', `${spec.name} has two handlers`);
    handlers.set(spec.id, run);
  };
  const builder: HandlerTableBuilder<C> = {
    on(spec, handler) {
      if (spec.fields === null) throw new TsworldError('INVALID_DECLARATION', `${spec.name} has a raw body: register it with raw()`);
      add(spec, (ctx, body) => {
        const message = codec.decode(spec, body);
        if (message instanceof ProtocolError) return message;
        handler(ctx, message, body);
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
