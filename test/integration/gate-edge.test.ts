import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_CODES, MSG, PROTOCOL_VERSION, createPackr, createWireCodec, encodeClientPositionMessage } from '../../src/protocol/index.ts';
import { repoRoot, startDeployment, type TestDeployment } from '../support/deployment.ts';
import { clientPool } from '../support/clients.ts';

const entry = join(repoRoot, 'examples', 'chatroom', 'game', 'main.ts');
const codec = createWireCodec({ packr: createPackr() });
const MAX_PAYLOAD = 2048;
const RATE = 40;
const HEARTBEAT_MS = 1500;
const HANDSHAKE_MS = 1000;

const u16 = (n: number) => new Uint8Array([n & 0xff, n >> 8]);
const hello = (version = PROTOCOL_VERSION) => new Uint8Array([...u16(MSG.HELLO.id), ...u16(version)]);

/**
 * A raw socket for sending what no SDK would: resolves with the close code and reason. With `hello`, it
 * completes the handshake first (HELLO, then waits for WELCOME), as any conforming client does.
 */
function rawSocket(url: string, options: { hello?: boolean } = {}): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const { hello: doHello = true } = options;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      ws.on('close', (code, reason) => done({ code, reason: reason.toString() })),
    );
    ws.once('open', () => {
      if (!doHello) return resolve({ ws, closed });
      ws.send(hello());
      ws.on('message', (data: Buffer) => {
        if (data.readUInt16LE(0) === MSG.WELCOME.id) resolve({ ws, closed });
      });
    });
    ws.once('error', reject);
  });
}

describe('the gate refuses bad client input without crashing any process', () => {
  let d: TestDeployment;
  const pool = clientPool(() => d.wsUrls);
  const connect = pool.connect;

  beforeAll(async () => {
    d = await startDeployment({
      entry,
      // Two games: boot entities go round-robin, so refusals come both from the caller's game and the other.
      games: 2,
      gates: 1,
      gateDefaults: { maxPayload: MAX_PAYLOAD, maxMessagesPerSecond: RATE, heartbeatTimeoutMs: HEARTBEAT_MS, handshakeTimeoutMs: HANDSHAKE_MS },
    });
  });
  afterAll(async () => {
    pool.closeAll();
    await d?.stop();
  });

  const expectClose = async (bytes: Uint8Array | string, code: number, options: { hello?: boolean } = {}) => {
    const { ws, closed } = await rawSocket(d.wsUrls[0], options);
    ws.send(bytes);
    const result = await closed;
    expect(result.code).toBe(code);
    expect(result.reason.length).toBeGreaterThan(0);
  };

  it('closes on a malformed frame (shorter than its type)', () => expectClose(new Uint8Array([7]), CLOSE_CODES['frame-malformed']));
  it('closes on text frames', () => expectClose('hello', CLOSE_CODES['frame-malformed']));
  it('closes on an unknown message type', () => expectClose(u16(9999), CLOSE_CODES['unknown-type']));
  it('closes on a server-only message type', () => expectClose(u16(MSG.CREATE_ENTITY_ON_CLIENT.id), CLOSE_CODES['wrong-direction']));
  it('closes on a malformed call body', () =>
    expectClose(new Uint8Array([...u16(MSG.CALL_ENTITY_METHOD_FROM_CLIENT.id), 1, 2, 3]), CLOSE_CODES['bad-body']));
  it('closes on an oversize message', () => expectClose(new Uint8Array(MAX_PAYLOAD + 100), CLOSE_CODES['frame-too-large']));
  it('closes on anything before HELLO', () => expectClose(u16(MSG.HEARTBEAT.id), CLOSE_CODES.handshake, { hello: false }));
  it('closes on a second HELLO', () => expectClose(hello(), CLOSE_CODES.handshake));
  it('closes on another protocol version', () => expectClose(hello(PROTOCOL_VERSION + 1), CLOSE_CODES['protocol-version'], { hello: false }));
  it('closes a connection that sends no HELLO within the handshake timeout', async () => {
    const { closed } = await rawSocket(d.wsUrls[0], { hello: false });
    const result = await closed;
    expect(result.code).toBe(CLOSE_CODES.handshake);
    expect(result.reason).toMatch(/no HELLO within/);
  });

  it('answers wrong arguments, unexposed methods, unknown methods and unreachable entities with errors', async () => {
    const c = await connect();
    const account = await c.waitForPlayer();
    const other = await connect();
    const othersAccount = await other.waitForPlayer();
    const expectError = async (code: number, pattern: RegExp) => {
      const e = await c.waitFor(() => c.errors.find((x) => pattern.test(x.message)), `${pattern} in ${JSON.stringify(c.errors)}`, 5000);
      expect(e.code).toBe(code);
    };
    c.call(account.id, 'login', 'only-one-arg');
    await expectError(4, /login: expected 2 argument/);
    c.call(account.id, 'register', 'name', 42);
    await expectError(4, /register/);
    c.call(account.id, 'noSuchMethod');
    await expectError(2, /has no method noSuchMethod/);
    // Two consecutive connections land on different games: one refusal comes from the caller's game, one
    // from the other, and both are answered (the ERROR travels back through the gate in the call's key).
    const third = await connect();
    const thirdsAccount = await third.waitForPlayer();
    for (const target of [othersAccount, thirdsAccount]) {
      const before = c.errors.length;
      c.call(target.id, 'login', 'x', 'y');
      const e = await c.waitFor(() => c.errors.length > before && c.errors[before], 'a refusal', 5000);
      expect(e).toEqual({ code: 3, message: 'Account.login may not be called by this client (ownClient)' });
    }
    c.call('AAAAAAAAAAAAAAAA', 'login', 'x', 'y');
    await expectError(1, /no entity AAAAAAAAAAAAAAAA/);
    // A server-only method of the client's own avatar.
    c.call(account.id, 'register', 'edgy', 'secret-e');
    await c.waitCall('onRegister', (a) => a[0] === true);
    c.call(account.id, 'login', 'edgy', 'secret-e');
    const avatar = await c.waitFor(() => c.player?.typeName === 'Avatar' && c.player, 'avatar');
    c.call(avatar.id, 'relayed', 'me', 1);
    await expectError(3, /Avatar\.relayed may not be called by this client \(server\)/);
    expect(c.connected).toBe(true);
  });

  it('answers hostile argument values with ERROR 4 and keeps the connection (no 1011, no re-encoding)', async () => {
    const raw = await rawSocket(d.wsUrls[0]);
    const errors: string[] = [];
    raw.ws.on('message', (data: Buffer) => {
      if (data.readUInt16LE(0) !== MSG.ERROR.id) return;
      const m = codec.decodeFields(MSG.ERROR, new Uint8Array(data.subarray(2)));
      if (!(m instanceof Error)) errors.push(`${m.code} ${m.message}`);
    });
    const callWith = (args: number[]) =>
      new Uint8Array([...u16(MSG.CALL_ENTITY_METHOD_FROM_CLIENT.id), ...Buffer.from('AAAAAAAAAAAAAAAA'), 0x92, 0xa1, 0x6d, 0x90 + args.length, ...args]);
    // ['m', [2^64 − 1]] as uint64, then the same call with a msgpackr structured-clone pointer (ext 0x70).
    raw.ws.send(callWith([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    raw.ws.send(callWith([0xd6, 0x70, 0, 0, 0, 1]));
    const deadline = Date.now() + 10_000;
    while (errors.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(errors).toEqual([
      '4 m: argument refused: integer outside ±(2^53 − 1)',
      '4 m: argument refused: msgpack extension types are not accepted',
    ]);
    expect(raw.ws.readyState).toBe(WebSocket.OPEN);
    raw.ws.close();
  });

  it('refuses position sync for an entity the client does not own', async () => {
    const other = await connect();
    const theirs = await other.waitForPlayer();
    const raw = await rawSocket(d.wsUrls[0]);
    const refusal = new Promise<string>((resolve) =>
      raw.ws.on('message', (data: Buffer) => {
        if (data.readUInt16LE(0) !== MSG.ERROR.id) return;
        const m = codec.decodeFields(MSG.ERROR, new Uint8Array(data.subarray(2)));
        if (!(m instanceof Error)) resolve(m.message);
      }),
    );
    raw.ws.send(encodeClientPositionMessage({ entityId: theirs.id, x: 1, y: 2, z: 3, yaw: 0 }));
    expect(await refusal).toMatch(/position sync refused: not your entity/);
    expect(other.player!.x).toBe(0);
    raw.ws.close();
  });

  it('closes a client that floods past its message rate', async () => {
    const { ws, closed } = await rawSocket(d.wsUrls[0]);
    for (let i = 0; i < RATE * 3; i++) ws.send(u16(MSG.HEARTBEAT.id));
    expect((await closed).code).toBe(CLOSE_CODES['rate-limit']);
  });

  it('closes a client that floods bytes while under the message rate', async () => {
    const { ws, closed } = await rawSocket(d.wsUrls[0]);
    // Well-formed calls of ~1.9 KB each: 8 of them are far under the message rate but over the byte rate
    // (4 × maxPayload per second), so the byte bucket is what trips.
    const call = codec.encodeClientMessage(MSG.CALL_ENTITY_METHOD_FROM_CLIENT, {
      entityId: 'AAAAAAAAAAAAAAAA',
      method: 'x',
      args: ['y'.repeat(1900)],
    });
    expect(call.length).toBeLessThan(MAX_PAYLOAD);
    for (let i = 0; i < 8; i++) ws.send(call);
    const result = await closed;
    expect(result.code).toBe(CLOSE_CODES['rate-limit']);
    expect(result.reason).toMatch(/bytes per second/);
  });

  it('disconnects a silent client after the heartbeat timeout, and keeps one that beats', async () => {
    const silent = await rawSocket(d.wsUrls[0]);
    const beating = await connect(); // the SDK sends a heartbeat every second
    const result = await silent.closed;
    expect(result.code).toBe(CLOSE_CODES['heartbeat-timeout']);
    expect(beating.connected).toBe(true);
  });

  it('is still fully up after all of that', async () => {
    const status = await d.status();
    expect(status.processes.every((p) => p.alive)).toBe(true);
    const c = await connect();
    const account = await c.waitForPlayer();
    c.call(account.id, 'register', 'survivor', 'secret-s');
    expect((await c.waitCall('onRegister')).args).toEqual([true, '']);
  });
});
