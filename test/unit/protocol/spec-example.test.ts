import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createBruteForceAoi } from '../../../src/aoi/brute-force.ts';
import { DEFAULTS } from '../../../src/config/deployment-schema.ts';
import { attr } from '../../../src/core/attr-decl.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { t } from '../../../src/core/value-types.ts';
import { createGameWorld } from '../../../src/core/world.ts';
import { createClientViews } from '../../../src/roles/game/client-views.ts';
import { createOutbound } from '../../../src/roles/game/outbound.ts';
import type { Link } from '../../../src/transport/index.ts';
import { checkClientCall } from '../../../src/protocol/client-call.ts';
import { clientErrorCode } from '../../../src/protocol/client-errors.ts';
import { decodeClientPosition, encodeClientPositionMessage } from '../../../src/protocol/client-position.ts';
import { createWireCodec, parseClientMessage, parseServerMessage, toClientMessageInPlace } from '../../../src/protocol/codec.ts';
import { createFrameBatch } from '../../../src/protocol/frame-batch.ts';
import { createFrameParser } from '../../../src/protocol/frame-parser.ts';
import type { MessageSpec } from '../../../src/protocol/message-spec.ts';
import { MSG, PROTOCOL_VERSION } from '../../../src/protocol/messages.ts';
import { createPackr } from '../../../src/protocol/packr.ts';
import { writePositionSyncFrame } from '../../../src/protocol/position-frame.ts';
import { decodePositionBatch, encodePositionBatch, positionBatchSize } from '../../../src/protocol/position-sync.ts';
import { writeId, writeU16 } from '../../../src/protocol/routing-key.ts';
import { ProtocolError } from '../../../src/protocol/wire-errors.ts';

/**
 * The worked example in SPEC.md ("Worked example: one session") is a set of ```hex fences. This test
 * reads them back and checks each byte for byte against what the code produces for the documented
 * values, so the example cannot drift from the protocol. The values below are the ones SPEC.md names.
 */

const spec = readFileSync(new URL('../../../src/protocol/SPEC.md', import.meta.url), 'utf8');
const codec = createWireCodec({ packr: createPackr() });

const BOOT = 'ZVPxAAECAwQFAAAB';
const CLIENT = 'q7Lm2xV9cT4wKp0s';
const GATE = 1;

/** Every ```hex <name> fence: the bytes are the hex pairs of each line, `#` starts an annotation. */
function hexDumps(markdown: string): Map<string, Uint8Array> {
  const dumps = new Map<string, Uint8Array>();
  for (const match of markdown.matchAll(/^```hex ([a-z0-9-]+)[^\n]*\n([\s\S]*?)^```[ \t]*$/gm)) {
    const [, name, text] = match;
    const bytes: number[] = [];
    for (const line of text.split('\n')) {
      for (const token of line.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean)) {
        if (!/^[0-9a-f]{2}$/.test(token)) throw new Error(`hex dump ${name}: "${token}" is not a byte (annotations follow #)`);
        bytes.push(parseInt(token, 16));
      }
    }
    if (dumps.has(name)) throw new Error(`hex dump ${name} appears twice`);
    dumps.set(name, Uint8Array.from(bytes));
  }
  return dumps;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').replace(/(..)(?!$)/g, '$1 ');
const u16Message = (type: number, value?: number) => {
  const out = new Uint8Array(value === undefined ? 2 : 4);
  writeU16(out, 0, type);
  if (value !== undefined) writeU16(out, 2, value);
  return out;
};

const WELCOME = {
  protocolVersion: PROTOCOL_VERSION,
  heartbeatTimeoutMs: DEFAULTS.gate.heartbeatTimeoutMs,
  maxPayload: DEFAULTS.gate.maxPayload,
  maxMessagesPerSecond: DEFAULTS.gate.maxMessagesPerSecond,
  // The default when maxBytesPerSecond is not configured (load-config): 4 × maxPayload.
  maxBytesPerSecond: 4 * DEFAULTS.gate.maxPayload,
  maxArgDepth: DEFAULTS.gate.maxArgDepth,
  maxArgElements: DEFAULTS.gate.maxArgElements,
};
const CREATE = {
  entityId: BOOT, typeName: 'Account', isPlayer: true, handle: 1, attrs: { status: 'guest' }, x: 0, y: 0, z: 0, yaw: 0,
};
const LOGIN = { entityId: BOOT, method: 'login', args: ['alice', 'secret'] };
const DELTA = { entityId: BOOT, ops: [[1, [], 'status', 'alice']] };
const ON_LOGIN = { entityId: BOOT, method: 'onLogin', args: [true, 'welcome, alice'] };
const ERROR = { code: 4, message: 'Account.login: expected 2 argument(s), got 1' };
/** Positions of the two entities in the POSITION_SYNC examples (index = eid), and their handles. */
const POSITIONS = {
  x: new Float32Array([10.5, 14.5]),
  y: new Float32Array([0, 1]),
  z: new Float32Array([-3.25, -3.25]),
  yaw: new Float32Array([Math.PI / 2, Math.PI]),
};
const CLIENT_POSITION = { entityId: BOOT, x: 10.5, y: 0, z: -3.25, yaw: Math.PI / 2 };

function positionSync(count: number): Uint8Array {
  const out = new Uint8Array(2 + positionBatchSize(count));
  writeU16(out, 0, MSG.POSITION_SYNC.id);
  encodePositionBatch(out, 2, POSITIONS, [0, 1], [1, 2], count);
  return out;
}

/** The internal frame the gate writes for the documented call: its key, then the client's msgpack bytes. */
function forwardedCall(message: Uint8Array): Uint8Array {
  const parsed = parseClientMessage(message);
  if (parsed instanceof ProtocolError) throw parsed;
  const call = checkClientCall(parsed.body, { maxDepth: WELCOME.maxArgDepth, maxElements: WELCOME.maxArgElements });
  if (call.kind !== 'forward') throw new Error(`the documented call is not forwarded: ${call.kind}`);
  const head = new Uint8Array(34);
  head.set(parsed.body.subarray(0, 16), 0);
  writeU16(head, 16, GATE);
  writeId(head, 18, CLIENT);
  const batch = createFrameBatch();
  batch.sendParts(MSG.CALL_FROM_CLIENT.id, head, call.fields);
  return batch.takeBytes().slice();
}

/** What the code produces for each documented dump. */
const EXPECTED: Record<string, () => Uint8Array> = {
  hello: () => u16Message(MSG.HELLO.id, PROTOCOL_VERSION),
  welcome: () => codec.encodeToClientMessage(MSG.WELCOME, WELCOME),
  'create-boot-entity': () => codec.encodeToClientMessage(MSG.CREATE_ENTITY_ON_CLIENT, CREATE),
  'call-login': () => codec.encodeClientMessage(MSG.CALL_ENTITY_METHOD_FROM_CLIENT, LOGIN),
  'call-login-forwarded': () => forwardedCall(codec.encodeClientMessage(MSG.CALL_ENTITY_METHOD_FROM_CLIENT, LOGIN)),
  'attr-delta': () => codec.encodeToClientMessage(MSG.ATTR_DELTA, DELTA),
  'call-on-client': () => codec.encodeToClientMessage(MSG.CALL_ENTITY_METHOD_ON_CLIENT, ON_LOGIN),
  'position-sync': () => positionSync(1),
  'position-sync-two': () => positionSync(2),
  'sync-position-from-client': () => encodeClientPositionMessage(CLIENT_POSITION),
  error: () => codec.encodeToClientMessage(MSG.ERROR, ERROR),
  heartbeat: () => u16Message(MSG.HEARTBEAT.id),
};

const dumps = hexDumps(spec);

function dump(name: string): Uint8Array {
  const bytes = dumps.get(name);
  if (bytes === undefined) throw new Error(`SPEC.md has no \`\`\`hex ${name} fence`);
  return bytes;
}

/** Decodes a to-client message as a client does: type, then the key-less msgpack fields. */
function decodeToClient<S extends MessageSpec>(messageSpec: S, message: Uint8Array) {
  const parsed = parseServerMessage(message);
  if (parsed instanceof ProtocolError) throw parsed;
  expect(parsed.spec).toBe(messageSpec);
  return codec.decodeFields(messageSpec, parsed.body);
}

describe('SPEC.md worked example', () => {
  it('documents exactly the dumps this test checks', () => {
    expect([...dumps.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [name, produce] of Object.entries(EXPECTED)) {
    it(`${name}: the dump is what the code produces`, () => {
      const produced = produce();
      // On a mismatch the message shows the bytes to paste into SPEC.md.
      expect(hex(dump(name)), `produced: ${hex(produced)}`).toBe(hex(produced));
    });
  }

  it('to-client dumps are what the gate makes of the internal frame (the gateClient key stripped)', () => {
    const key = { gateId: GATE, clientId: CLIENT };
    const cases: [MessageSpec, string, Record<string, unknown>][] = [
      [MSG.WELCOME, 'welcome', WELCOME],
      [MSG.CREATE_ENTITY_ON_CLIENT, 'create-boot-entity', CREATE],
      [MSG.ATTR_DELTA, 'attr-delta', DELTA],
      [MSG.CALL_ENTITY_METHOD_ON_CLIENT, 'call-on-client', ON_LOGIN],
      [MSG.ERROR, 'error', ERROR],
    ];
    for (const [messageSpec, name, value] of cases) {
      const internal = codec.encode(messageSpec, { ...key, ...value } as never);
      expect(hex(toClientMessageInPlace(messageSpec.id, internal)), name).toBe(hex(dump(name)));
      expect(decodeToClient(messageSpec, dump(name)), name).toEqual(value);
    }
  });

  it('the POSITION_SYNC dumps are what a game writes for the gate, and decode to the documented values', () => {
    for (const [name, count] of [['position-sync', 1], ['position-sync-two', 2]] as const) {
      const batch = createFrameBatch();
      writePositionSyncFrame(batch, GATE, CLIENT, POSITIONS, [0, 1], [1, 2], count);
      const frames: Uint8Array[] = [];
      createFrameParser({ onFrame: (type, body) => frames.push(toClientMessageInPlace(type, body.slice())) }).push(batch.takeBytes());
      expect(frames.map(hex), name).toEqual([hex(dump(name))]);

      const seen: number[][] = [];
      const decoded = decodePositionBatch(dump(name).subarray(2), (handle, x, y, z, yaw) => seen.push([handle, x, y, z, yaw]));
      expect(decoded).toBe(count);
      expect(seen).toEqual([[1, 10.5, 0, -3.25, Math.PI / 2], [2, 14.5, 1, -3.25, Math.PI]].slice(0, count));
    }
  });

  it('the client→gate dumps pass the gate and carry the documented values', () => {
    const hello = parseClientMessage(dump('hello'));
    expect(hello).toMatchObject({ spec: MSG.HELLO, body: u16Message(PROTOCOL_VERSION) });
    expect(parseClientMessage(dump('heartbeat'))).toMatchObject({ spec: MSG.HEARTBEAT, body: new Uint8Array(0) });

    const call = parseClientMessage(dump('call-login'));
    if (call instanceof ProtocolError) throw call;
    const check = checkClientCall(call.body, { maxDepth: WELCOME.maxArgDepth, maxElements: WELCOME.maxArgElements });
    expect(check).toMatchObject({ kind: 'forward', entityId: BOOT, method: 'login' });

    const forwarded = dump('call-login-forwarded');
    // The forwarded body is a well-formed CALL_FROM_CLIENT, and its msgpack part is the client's bytes.
    expect(codec.decode(MSG.CALL_FROM_CLIENT, forwarded.subarray(6))).toEqual({ ...LOGIN, gateId: GATE, clientId: CLIENT });
    expect(hex(forwarded.subarray(6 + 34))).toBe(hex(call.body.subarray(16)));

    const position = parseClientMessage(dump('sync-position-from-client'));
    if (position instanceof ProtocolError) throw position;
    const p = decodeClientPosition(position.body);
    expect(p).toMatchObject({ entityId: BOOT, x: 10.5, y: 0, z: -3.25 });
    expect((p as { yaw: number }).yaw).toBeCloseTo(Math.PI / 2, 6);
  });

  it('the example session is what a game really sends: boot entity, delta, reply, positions, refusal', () => {
    const Account = defineEntityType({
      name: 'Account',
      attrs: { status: attr(t.string, { flags: ['client'], default: 'guest' }) },
      rpc: {
        login: {
          expose: 'ownClient',
          args: [t.string, t.string],
          fn(e, name) {
            e.attrs.set('status', name);
            e.callClient('onLogin', [true, `welcome, ${name}`]);
          },
        },
      },
    });
    const world = createGameWorld({ entityTypes: [Account], aoiFactory: createBruteForceAoi, onError: (err) => { throw err; } });
    const batch = createFrameBatch();
    const outbound = createOutbound({
      world,
      views: createClientViews(),
      codec,
      gateLink: () => batch as unknown as Link,
      gateOf: () => GATE,
      takeGone: () => false,
    });
    const sent: Uint8Array[] = [];
    const parser = createFrameParser({ onFrame: (type, body) => sent.push(toClientMessageInPlace(type, body.slice())) });
    const tick = () => {
      world.step(0.05);
      outbound.flushWorldEvents();
      outbound.endTick();
    };
    const take = () => {
      parser.push(batch.takeBytes());
      return sent.splice(0).map(hex);
    };

    // After HELLO the gate asks for a boot entity; the game creates it bound to the client.
    world.createEntity('Account', { id: BOOT, client: CLIENT });
    tick();
    expect(take()).toEqual([hex(dump('create-boot-entity'))]);

    const asClient = { kind: 'client', clientId: CLIENT } as const;
    expect(world.call(BOOT, 'login', ['alice', 'secret'], asClient)).toEqual({ ok: true });
    tick();
    expect(take()).toEqual([hex(dump('attr-delta')), hex(dump('call-on-client'))]);

    world.entity(BOOT)!.setPosition(10.5, 0, -3.25);
    world.entity(BOOT)!.setYaw(Math.PI / 2);
    tick();
    outbound.syncPositions();
    expect(take()).toEqual([hex(dump('position-sync'))]);

    // A refused call: the game answers with ERROR through the caller's gate (game-server sendClientError).
    const refused = world.call(BOOT, 'login', ['alice'], asClient);
    if (refused.ok) throw new Error('login with one argument was accepted');
    const error = codec.encode(MSG.ERROR, { gateId: GATE, clientId: CLIENT, code: clientErrorCode(refused.code), message: refused.message });
    expect(hex(toClientMessageInPlace(MSG.ERROR.id, error))).toBe(hex(dump('error')));
  });
});
