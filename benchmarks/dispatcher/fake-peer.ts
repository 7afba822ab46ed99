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

/** What a fake peer has seen, shared by its frame handler and its FakePeer face. */
interface PeerState {
  readonly hello: Hello;
  /** Answered to the dispatcher's heartbeats. */
  readonly heartbeat: Uint8Array;
  link: Link | null;
  calls: number;
  callBytes: number;
  waiter: { count: number; resolve(body: Uint8Array): void; reject(err: Error): void } | null;
  acked: (() => void) | null;
  failure: Error | null;
  ackScheduled: boolean;
}

function fail(p: PeerState, err: Error): void {
  p.failure ??= err;
  p.waiter?.reject(err);
  p.waiter = null;
}

/**
 * What it received is acknowledged (LINK_ACK) once per event-loop turn, as a real peer's flush does, so
 * the dispatcher keeps no more for it than it would for a game.
 */
function scheduleAck(p: PeerState): void {
  if (p.ackScheduled) return;
  p.ackScheduled = true;
  setImmediate(() => {
    p.ackScheduled = false;
    p.link?.flush();
  });
}

function onPeerFrame(p: PeerState, type: number, body: Uint8Array): void {
  if (type === MSG.CALL_ENTITY_METHOD.id) {
    scheduleAck(p);
    p.calls++;
    p.callBytes += body.length;
    if (p.waiter !== null && p.calls >= p.waiter.count) {
      p.waiter.resolve(body.slice());
      p.waiter = null;
    }
  } else if (type === MSG.HANDSHAKE_ACK.id) {
    p.acked?.();
  } else if (type === MSG.LINK_HEARTBEAT.id) {
    // A peer that only receives must still be heard, or the dispatcher declares it down (liveness).
    p.link?.send(MSG.LINK_HEARTBEAT.id, p.heartbeat);
    p.link?.flush();
  } else if (!PEER_NOTICES.has(type)) {
    fail(p, new Error(`fake peer ${JSON.stringify(p.hello)} got unexpected frame type ${type}`));
  }
}

export async function connectFakePeer(port: number, codec: WireCodec, hello: Hello): Promise<FakePeer> {
  const p: PeerState = {
    hello, heartbeat: codec.encode(MSG.LINK_HEARTBEAT, {}), link: null,
    calls: 0, callBytes: 0, waiter: null, acked: null, failure: null, ackScheduled: false,
  };
  // Authenticated as a real peer is (no secret: the bench runs on loopback).
  const link: Link = await connectAuthenticated(createTcpLinkNetwork(), {
    codec,
    secret: undefined,
    scheduler: createSystemScheduler(),
    timeoutMs: 10_000,
    host: '127.0.0.1',
    port,
    onFrame: (type, body) => onPeerFrame(p, type, body),
    onError: (error) => fail(p, error),
    onClose: (_, error) => fail(p, error ?? new Error(`link of fake peer ${JSON.stringify(hello)} closed`)),
  });
  p.link = link;
  const ack = new Promise<void>((resolve) => (p.acked = resolve));
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
      return p.calls;
    },
    get callBytes() {
      return p.callBytes;
    },
    waitCalls(count, timeoutMs) {
      if (p.failure !== null) return Promise.reject(p.failure);
      const arrived = new Promise<Uint8Array>((resolve, reject) => (p.waiter = { count, resolve, reject }));
      return withDeadline(arrived, timeoutMs, `${count} calls at ${JSON.stringify(hello)} (have ${p.calls})`);
    },
    close() {
      p.waiter = null;
      link.destroy();
    },
  };
}
