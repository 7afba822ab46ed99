import { TsworldError } from '../../src/core/errors.ts';
import { MSG, PROTOCOL_VERSION, isProtocolError, messageSpec } from '../../src/protocol/index.ts';
import type { MessageSpec, WireCodec } from '../../src/protocol/index.ts';
import { createLogThrottle, createLogger } from '../../src/observability/index.ts';
import { createLinkAuth } from '../../src/roles/dispatcher/link-auth.ts';
import { createSystemScheduler } from '../../src/tick/clock.ts';
import { type Link, listenLinks } from '../../src/transport/index.ts';

/**
 * The baseline of the dispatcher suite: a router that does what DESIGN.md says the dispatcher must not,
 * msgpack-decoding every frame fully (codec.decode: key, msgpack tuple, field checks) and re-encoding the
 * decoded value before forwarding it. Everything else is kept as cheap as the real one: same links, same
 * one-flush-per-link-per-turn batching, a Map from entity id to game. It knows just enough of the
 * protocol for the benchmark: the dispatcher's link authentication (its own code, no secret), game/gate
 * hello, NOTIFY_CREATE_ENTITY, and entity-keyed frames.
 */
export interface NaiveRouter {
  readonly port: number;
  close(): Promise<void>;
}

type Decoded = Record<string, unknown>;

export async function startNaiveRouter(opts: { host: string; port: number; codec: WireCodec }): Promise<NaiveRouter> {
  const { codec } = opts;
  const owner = new Map<string, number>();
  const games = new Map<number, Link>();
  const gameOfLink = new Map<Link, number>();
  const hello = new Set<Link>();
  const dirty = new Set<Link>();
  let flushScheduled = false;
  const auth = createLinkAuth({
    codec,
    secret: undefined,
    scheduler: createSystemScheduler(),
    timeoutMs: 10_000,
    throttle: createLogThrottle({ log: createLogger({ role: 'naive-router', id: 1, level: 'warn', pretty: false }), now: Date.now }),
  });

  function out(link: Link): Link {
    dirty.add(link);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(() => {
        flushScheduled = false;
        // As the real dispatcher does: forwards first, then the acknowledgements (LINK_ACK).
        for (const l of dirty) if (!l.ackDue) l.flush();
        for (const l of dirty) if (l.ackDue) l.flush();
        dirty.clear();
      });
    }
    return link;
  }

  function decode(spec: MessageSpec, body: Uint8Array): Decoded {
    const value = codec.decode(spec, body);
    if (isProtocolError(value)) throw value;
    return value as Decoded;
  }

  function onFrame(type: number, body: Uint8Array, link: Link): void {
    route(type, body, link);
    if (link.ackDue) out(link);
  }

  function route(type: number, body: Uint8Array, link: Link): void {
    if (!hello.has(link) && !auth.authenticated(link)) return auth.step(link, type, body);
    const spec = messageSpec(type);
    if (spec === undefined || spec.fields === null) {
      throw new TsworldError('PROTOCOL_VIOLATION', `naive router: cannot decode type ${type}`);
    }
    const msg = decode(spec, body);
    if (!hello.has(link)) {
      if (type === MSG.SET_GAME_ID.id) {
        games.set(msg.gameId as number, link);
        gameOfLink.set(link, msg.gameId as number);
      } else if (type !== MSG.SET_GATE_ID.id) {
        throw new TsworldError('PROTOCOL_VIOLATION', `naive router: expected a hello, got type ${type}`);
      }
      hello.add(link);
      codec.encodeTo(out(link), MSG.HANDSHAKE_ACK, { dispatcherId: 1, protocolVersion: PROTOCOL_VERSION });
      return;
    }
    if (type === MSG.NOTIFY_CREATE_ENTITY.id) {
      const gameId = gameOfLink.get(link);
      if (gameId !== undefined) owner.set(msg.entityId as string, gameId);
      return;
    }
    if (spec.target !== 'entity') return;
    const target = games.get(owner.get(msg.entityId as string) ?? -1);
    if (target === undefined) return;
    codec.encodeTo(out(target), spec, msg as never);
  }

  const server = await listenLinks({ host: opts.host, port: opts.port, onFrame, onLink: (link) => auth.open(link), onClose: (link) => auth.forget(link) });
  return {
    port: server.port,
    close: () => {
      auth.close();
      return server.close();
    },
  };
}
