import { MSG } from '../../src/protocol/index.ts';
import type { WireCodec } from '../../src/protocol/index.ts';
import { connectAuthenticated } from '../../src/roles/shared/link-auth.ts';
import { createSystemScheduler } from '../../src/tick/clock.ts';
import { type Link, createTcpLinkNetwork } from '../../src/transport/index.ts';
import { withDeadline } from '../transport/measure-rounds.ts';

/**
 * A game or gate reduced to its link: it says hello as the real one does and counts the entity calls
 * routed to it, which is all the dispatcher suite needs from either end.
 */
export interface FakePeer {
  readonly link: Link;
  /** CALL_ENTITY_METHOD frames received so far, and the total of their body bytes. */
  readonly calls: number;
  readonly callBytes: number;
  /** Resolves once `calls` reaches `count`, with a copy of the body of the frame that reached it. */
  waitCalls(count: number, timeoutMs: number): Promise<Uint8Array>;
  close(): void;
}

export type Hello = { gameId: number } | { gateId: number };

/** What a dispatcher tells every game or gate on its own, which the bench has no use for. */
const PEER_NOTICES: ReadonlySet<number> = new Set([MSG.DEPLOYMENT_READY.id, MSG.ONLINE_GAMES.id, MSG.SERVICES_READY.id]);

export async function connectFakePeer(port: number, codec: WireCodec, hello: Hello): Promise<FakePeer> {
  let calls = 0;
  let callBytes = 0;
  let waiter: { count: number; resolve(body: Uint8Array): void; reject(err: Error): void } | null = null;
  let acked: (() => void) | null = null;
  let failure: Error | null = null;

  const fail = (err: Error): void => {
    failure ??= err;
    waiter?.reject(err);
    waiter = null;
  };

  // Authenticated as a real peer is (no secret: the bench runs on loopback).
  const heartbeat = codec.encode(MSG.LINK_HEARTBEAT, {});
  // What it received is acknowledged (LINK_ACK) once per event-loop turn, as a real peer's flush does,
  // so the dispatcher keeps no more for it than it would for a game.
  let ackScheduled = false;
  const scheduleAck = (): void => {
    if (ackScheduled) return;
    ackScheduled = true;
    setImmediate(() => {
      ackScheduled = false;
      link.flush();
    });
  };
  const link: Link = await connectAuthenticated(createTcpLinkNetwork(), {
    codec,
    secret: undefined,
    scheduler: createSystemScheduler(),
    timeoutMs: 10_000,
    host: '127.0.0.1',
    port,
    onFrame(type, body) {
      if (type === MSG.CALL_ENTITY_METHOD.id) {
        scheduleAck();
        calls++;
        callBytes += body.length;
        if (waiter !== null && calls >= waiter.count) {
          waiter.resolve(body.slice());
          waiter = null;
        }
      } else if (type === MSG.HANDSHAKE_ACK.id) {
        acked?.();
      } else if (type === MSG.LINK_HEARTBEAT.id) {
        // A peer that only receives must still be heard, or the dispatcher declares it down (liveness).
        link.send(MSG.LINK_HEARTBEAT.id, heartbeat);
        link.flush();
      } else if (!PEER_NOTICES.has(type)) {
        fail(new Error(`fake peer ${JSON.stringify(hello)} got unexpected frame type ${type}`));
      }
    },
    onError: (error) => fail(error),
    onClose: (_, error) => fail(error ?? new Error(`link of fake peer ${JSON.stringify(hello)} closed`)),
  });

  const ack = new Promise<void>((resolve) => (acked = resolve));
  if ('gameId' in hello) {
    codec.encodeTo(link, MSG.SET_GAME_ID, { gameId: hello.gameId, isRestore: false, entityIds: [] });
  } else {
    codec.encodeTo(link, MSG.SET_GATE_ID, { gateId: hello.gateId });
  }
  link.flush();
  await withDeadline(ack, 10_000, `handshake of ${JSON.stringify(hello)}`);

  return {
    link,
    get calls() {
      return calls;
    },
    get callBytes() {
      return callBytes;
    },
    waitCalls(count, timeoutMs) {
      if (failure !== null) return Promise.reject(failure);
      const arrived = new Promise<Uint8Array>((resolve, reject) => (waiter = { count, resolve, reject }));
      return withDeadline(arrived, timeoutMs, `${count} calls at ${JSON.stringify(hello)} (have ${calls})`);
    },
    close() {
      waiter = null;
      link.destroy();
    },
  };
}
