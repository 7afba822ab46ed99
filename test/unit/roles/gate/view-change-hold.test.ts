import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../../src/config/deployment-schema.ts';
import { createWireCodec } from '../../../../src/protocol/codec.ts';
import { createPackr } from '../../../../src/protocol/packr.ts';
import { createGateState, holdForClient, sendToClient } from '../../../../src/roles/gate/gate-state.ts';
import type { ClientProxy } from '../../../../src/roles/gate/client-proxy.ts';
import type { GateServerOptions } from '../../../../src/roles/gate/gate-options.ts';
import { createFakeClock, createFakeScheduler } from '../../../../src/testing/fake-clock.ts';
import type { ClientConnection } from '../../../../src/transport/index.ts';

/** A gate state on a fake clock, and clients whose writes (one per cork) are recorded as lists of message tags. */
function gate(viewChangeHoldMs?: number) {
  const clock = createFakeClock();
  const scheduler = createFakeScheduler(clock);
  const counted: string[] = [];
  const opts = {
    codec: createWireCodec({ packr: createPackr() }),
    log: { warn() {}, info() {}, error() {}, debug() {} },
    limits: { ...DEFAULTS.gate, viewChangeHoldMs },
    runtime: { clock, scheduler },
    fdLimit: { soft: 10_000, hard: 10_000 },
    metrics: { clientWrites: (outcome: string) => counted.push(outcome) },
  } as unknown as GateServerOptions;
  const s = createGateState(opts);
  const client = () => {
    const writes: number[][] = [];
    let corked: number[] | null = null;
    const connection = {
      bufferedAmount: 0,
      closed: false,
      cork(fn: () => void) {
        corked = [];
        fn();
        writes.push(corked);
        corked = null;
      },
      send(m: Uint8Array) {
        corked!.push(m[2]);
        return 'ok';
      },
      close() {},
    } as unknown as ClientConnection;
    const proxy = { clientId: `c${writes.length}`, connection, outbox: null, held: null, closing: false } as unknown as ClientProxy;
    return { proxy, writes };
  };
  // A client message: type 1000 (its value does not matter here) and a tag byte the fake records.
  const msg = (tag: number) => Uint8Array.of(0xe8, 0x03, tag);
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  return { s, scheduler, client, msg, turn, counted };
}

describe("the gate's hold on view changes (viewChangeHoldMs)", () => {
  it('sends a held view change with the client’s next message, in order, in one write', async () => {
    const g = gate(60);
    const a = g.client();
    holdForClient(g.s, a.proxy, g.msg(1));
    holdForClient(g.s, a.proxy, g.msg(2));
    await g.turn();
    expect(a.writes).toEqual([]);
    g.scheduler.advance(30);
    sendToClient(g.s, a.proxy, g.msg(3));
    await g.turn();
    expect(a.writes).toEqual([[1, 2, 3]]);
    // Released with that write: the timer finds nothing left to send.
    g.scheduler.advance(60);
    await g.turn();
    expect(a.writes).toEqual([[1, 2, 3]]);
    expect(g.counted).toEqual(['held', 'written']);
  });

  it('writes a client alone once its own hold is up, not when an earlier client’s is', async () => {
    const g = gate(60);
    const a = g.client();
    const b = g.client();
    holdForClient(g.s, a.proxy, g.msg(1));
    g.scheduler.advance(40);
    holdForClient(g.s, b.proxy, g.msg(2));
    g.scheduler.advance(20);
    await g.turn();
    expect([a.writes, b.writes]).toEqual([[[1]], []]);
    g.scheduler.advance(39);
    await g.turn();
    expect(b.writes).toEqual([]);
    g.scheduler.advance(1);
    await g.turn();
    expect(b.writes).toEqual([[2]]);
  });

  it('does not hold a client that already has a write due this turn, and holds nothing at 0', async () => {
    const g = gate(60);
    const a = g.client();
    sendToClient(g.s, a.proxy, g.msg(1));
    holdForClient(g.s, a.proxy, g.msg(2));
    await g.turn();
    expect(a.writes).toEqual([[1, 2]]);

    const off = gate(0);
    const b = off.client();
    holdForClient(off.s, b.proxy, off.msg(7));
    await off.turn();
    expect(b.writes).toEqual([[7]]);
    expect(off.counted).toEqual(['written']);
  });
});
