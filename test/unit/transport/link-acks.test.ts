import { describe, expect, it } from 'vitest';
import { MSG } from '../../../src/protocol/messages.ts';
import { createLink, type Link, type LinkOptions } from '../../../src/transport/link.ts';
import { createParkingLink } from '../../../src/transport/parking-link.ts';
import { memorySocketPair } from '../../../src/transport/memory-socket.ts';

/** Two links joined by memory sockets; `b` acks on delivery unless told otherwise. */
function pair(aOpts: Partial<LinkOptions> = {}, bOpts: Partial<LinkOptions> = {}) {
  const [sa, sb] = memorySocketPair({ address: '127.0.0.1', port: 1 }, { address: '127.0.0.1', port: 2 }, 7);
  const got: { a: number[]; b: number[] } = { a: [], b: [] };
  const errors: string[] = [];
  const a = createLink(sa, { onFrame: (type) => void got.a.push(type), onError: (e) => void errors.push(e.message), ...aOpts });
  const b = createLink(sb, { onFrame: (type) => void got.b.push(type), onError: (e) => void errors.push(e.message), ...bOpts });
  return { a, b, got, errors };
}

const turn = () => new Promise((r) => setImmediate(r));
const body = (n: number) => new Uint8Array([n, n, n]);
const types = (link: Link) => link.unacked().map((f) => [f.type, f.body[0]]);

describe('link acknowledgements', () => {
  it('keeps what the peer has not acknowledged, and forgets it once the peer flushes its ack', async () => {
    const { a, b, got } = pair();
    a.send(1001, body(1));
    a.send(1002, body(2));
    expect(types(a)).toEqual([[1001, 1], [1002, 2]]);
    a.flush();
    await turn();
    expect(got.b).toEqual([1001, 1002]);
    // Received, processed on delivery, but not yet acknowledged: b has not flushed.
    expect(types(a)).toEqual([[1001, 1], [1002, 2]]);
    expect(b.ackDue).toBe(true);
    b.flush();
    await turn();
    expect(b.ackDue).toBe(false);
    expect(a.unacked()).toEqual([]);
    // The acknowledgement itself is not a frame for the owner.
    expect(got.a).toEqual([]);
  });

  it("acknowledges only what the owner processed, with ackWhen 'owner'", async () => {
    const { a, b } = pair({}, { ackWhen: 'owner' });
    for (let i = 1; i <= 3; i++) a.send(1000 + i, body(i));
    a.flush();
    await turn();
    expect(b.framesIn).toBe(3);
    expect(b.ackDue).toBe(false);
    b.processedUpTo(2);
    b.flush();
    await turn();
    expect(types(a)).toEqual([[1003, 3]]);
  });

  it('whenAcked waits for every frame sent so far, not for later ones, and lets go when the link closes', async () => {
    const { a, b } = pair();
    const fired: string[] = [];
    a.whenAcked(() => fired.push('nothing sent'));
    expect(fired).toEqual(['nothing sent']);
    a.send(1001, body(1));
    a.whenAcked(() => fired.push('first'));
    a.send(1002, body(2));
    a.whenAcked(() => fired.push('second'));
    a.flush();
    await turn();
    b.flush();
    await turn();
    expect(fired).toEqual(['nothing sent', 'first', 'second']);
    a.send(1003, body(3));
    a.whenAcked(() => fired.push('third, never acknowledged'));
    a.flush();
    a.destroy();
    await turn();
    await turn();
    expect(fired.at(-1)).toBe('third, never acknowledged');
  });

  it('whenAcked on a parking link with no link attached does not wait', () => {
    const parking = createParkingLink({ maxBytes: 1000, maxMs: 1000, now: () => 0, isStream: () => false, onOverflow: () => undefined });
    let fired = false;
    parking.whenAcked(() => (fired = true));
    expect(fired).toBe(true);
  });

  it('does not count heartbeats, so they are never replayed', async () => {
    const { a, b } = pair();
    a.send(MSG.LINK_HEARTBEAT.id, new Uint8Array(0));
    a.send(1001, body(1));
    expect(types(a)).toEqual([[1001, 1]]);
    a.flush();
    await turn();
    expect(b.framesIn).toBe(1);
  });

  it('spans chunks: a partly acknowledged batch gives back only its unacknowledged frames', async () => {
    const { a, b } = pair({}, { ackWhen: 'owner' });
    a.send(1001, body(1));
    a.send(1002, body(2));
    a.flush();
    a.send(1003, body(3));
    a.flush();
    a.send(1004, body(4)); // never flushed: still owed
    await turn();
    b.processedUpTo(1);
    b.flush();
    await turn();
    expect(types(a)).toEqual([[1002, 2], [1003, 3], [1004, 4]]);
  });

  it('closes the link on an acknowledgement of frames never sent', async () => {
    const { a, b, errors } = pair();
    const bogus = new Uint8Array(8);
    new DataView(bogus.buffer).setFloat64(0, 5, true);
    b.send(MSG.LINK_ACK.id, bogus);
    b.flush();
    await turn();
    await turn();
    expect(errors.some((e) => e.includes('LINK_ACK of 5 frames'))).toBe(true);
    expect(a.closed).toBe(true);
  });

  it('fails a link whose peer reads but never acknowledges, past maxUnackedBytes', async () => {
    const { a, b, errors } = pair({ maxPendingBytes: 4096, maxUnackedBytes: 8192, highWatermarkBytes: 2048, lowWatermarkBytes: 1024 });
    for (let i = 0; i < 10 && !a.closed; i++) {
      a.send(1001, new Uint8Array(1000));
      a.flush();
      await turn();
    }
    expect(b.framesIn).toBeGreaterThan(0);
    expect(errors.some((e) => e.includes('maxUnackedBytes 8192'))).toBe(true);
    expect(a.closed).toBe(true);
  });

  it('a parking link parks the lost link\'s unacknowledged frames first, without its hello', async () => {
    const { a } = pair();
    const parking = createParkingLink({ maxBytes: 1 << 20, maxMs: 10_000, now: () => 0, isStream: (t) => t === 1004, onOverflow: () => undefined });
    parking.attach(a);
    parking.send(MSG.SET_GAME_ID.id, body(9));
    parking.send(1001, body(1));
    parking.send(1004, body(4)); // a stream: superseded, not replayed
    parking.flush();
    parking.detach();
    parking.send(1002, body(2));
    expect(parking.parkedFrames).toBe(2);
    const { a: next, b: peer, got } = pair();
    parking.attach(next);
    parking.flush();
    await turn();
    expect(got.b).toEqual([1001, 1002]);
    expect(peer.framesIn).toBe(2);
  });
});
