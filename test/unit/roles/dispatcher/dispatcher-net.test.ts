import { connect as netConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../../../src/observability/index.ts';
import type { Metrics } from '../../../../src/observability/index.ts';
import { CLIENT_ERROR_CODES, MSG, createPackr, createWireCodec } from '../../../../src/protocol/index.ts';
import { nilSpaceId } from '../../../../src/core/space.ts';
import { type Dispatcher, startDispatcher } from '../../../../src/roles/dispatcher/dispatcher.ts';
import { dispatcherOptions } from '../../../../src/roles/dispatcher/dispatcher-options.ts';
import { systemRuntime } from '../../../../src/roles/shared/runtime.ts';
import { mulberry32 } from '../../../../src/testing/prng.ts';
import { connectAuthenticated } from '../../../../src/roles/shared/link-auth.ts';
import type { Link } from '../../../../src/transport/link.ts';
import { type CapturedLine, createCaptureLog } from '../../../support/capture-log.ts';

/**
 * The dispatcher over real TCP links, with fake games and a fake gate in this process: garbage on an
 * internal link closes it, and a flood of calls to made-up ids stays within the pending bounds while
 * everything else keeps being routed. Waits are on frames and closes, with generous deadlines; nothing
 * asserts on timing.
 */
const codec = createWireCodec({ packr: createPackr() });
const DEADLINE_MS = 15_000;
const PER_SENDER = 50;
const TOTAL = 80;
const TARGET = 'Target0000000001';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

interface Frame {
  type: number;
  body: Uint8Array;
}

interface Peer {
  readonly link: Link;
  readonly frames: Frame[];
  readonly closed: Promise<void>;
  /** Resolves once a frame satisfying `match` has arrived (or had already). */
  waitFor(what: string, match: (f: Frame) => boolean): Promise<Frame>;
}

async function connectPeer(port: number): Promise<Peer> {
  const frames: Frame[] = [];
  const waiters: Array<{ match: (f: Frame) => boolean; resolve(f: Frame): void }> = [];
  let onClosed!: () => void;
  const closed = new Promise<void>((resolve) => (onClosed = resolve));
  // Authenticated as a real game or gate would be (no secret on either end), so the frames below are
  // what the dispatcher reads as the link's first after authentication.
  const runtime = systemRuntime();
  const link = await connectAuthenticated(runtime.net, {
    codec,
    secret: undefined,
    scheduler: runtime.scheduler,
    timeoutMs: DEADLINE_MS,
    host: '127.0.0.1',
    port,
    onFrame(type, body) {
      const frame = { type, body: body.slice() };
      frames.push(frame);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.match(frame)) waiters.splice(i, 1)[0]!.resolve(frame);
      }
    },
    onClose: () => onClosed(),
  });
  cleanups.push(() => link.destroy());
  return {
    link,
    frames,
    closed,
    waitFor(what, match) {
      const seen = frames.find(match);
      if (seen) return Promise.resolve(seen);
      return deadline(new Promise((resolve) => waiters.push({ match, resolve })), what);
    },
  };
}

function deadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), DEADLINE_MS);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

async function hello(peer: Peer, as: { gameId: number } | { gateId: number }): Promise<void> {
  if ('gameId' in as) {
    codec.encodeTo(peer.link, MSG.SET_GAME_ID, { gameId: as.gameId, isRestore: false, entityIds: [] });
  } else {
    codec.encodeTo(peer.link, MSG.SET_GATE_ID, { gateId: as.gateId });
  }
  peer.link.flush();
  await peer.waitFor('HANDSHAKE_ACK', (f) => f.type === MSG.HANDSHAKE_ACK.id);
}

/** Games 1 and 2 connected, and TARGET created on game 1: where the freeze and migration cases start. */
async function twoGames(dispatcher: Dispatcher): Promise<{ one: Peer; two: Peer }> {
  const one = await connectPeer(dispatcher.port);
  await hello(one, { gameId: 1 });
  const two = await connectPeer(dispatcher.port);
  await hello(two, { gameId: 2 });
  codec.encodeTo(one.link, MSG.NOTIFY_CREATE_ENTITY, { entityId: TARGET, typeName: 'Target' });
  return { one, two };
}

async function start(overrides: { pendingTimeoutMs?: number } = {}): Promise<{ dispatcher: Dispatcher; metrics: Metrics; lines: CapturedLine[] }> {
  const log = createCaptureLog();
  const metrics = createMetrics({ role: 'dispatcher', id: 1, processMetrics: false });
  const basics = { id: 1, host: '127.0.0.1', port: 0, expectedGames: 2, expectedGates: 1, codec, log, runtime: systemRuntime() };
  const dispatcher = await startDispatcher(dispatcherOptions(basics, {
    freezeQueueMaxFrames: 1000,
    maxHeldPerEntity: 100,
    // Long enough that nothing in the flood expires before the counts are read on a slow machine.
    unplacedTimeoutMs: 30_000,
    pendingLimits: { maxPerSender: PER_SENDER, maxTotal: TOTAL },
    metrics,
    ...overrides,
  }));
  cleanups.push(() => dispatcher.close());
  return { dispatcher, metrics, lines: log.lines };
}

async function refusedCount(metrics: Metrics, limit: string): Promise<number> {
  const match = new RegExp(`^tsworld_refused_total\\{[^}]*limit="${limit}"[^}]*\\} (\\d+)$`, 'm').exec(await metrics.text());
  return match ? Number(match[1]) : 0;
}

const violations = (lines: CapturedLine[]) => lines.filter((l) => l.message.startsWith('protocol violation'));

describe('dispatcher over TCP: internal links', () => {
  it('closes a link whose first frame is not a hello, and logs its address', async () => {
    const { dispatcher, lines } = await start();
    const early = await connectPeer(dispatcher.port);
    codec.encodeTo(early.link, MSG.CALL_ENTITY_METHOD, { entityId: TARGET, method: 'hit', args: [] });
    early.link.flush();
    await deadline(early.closed, 'the early link to close');
    expect(violations(lines)).toHaveLength(1);
    expect(violations(lines)[0]!.fields).toMatchObject({
      kind: 'unknown',
      reason: 'expected SET_GAME_ID or SET_GATE_ID first, got type 10',
    });
    expect(violations(lines)[0]!.fields['peer']).toMatch(/^127\.0\.0\.1:\d+$/);

    // A malformed hello and bytes that are no frame at all go the same way.
    const malformed = await connectPeer(dispatcher.port);
    malformed.link.send(MSG.SET_GAME_ID.id, Uint8Array.from([0xc1, 0xff, 0x00]));
    malformed.link.flush();
    await deadline(malformed.closed, 'the malformed hello to close');
    const raw = netConnect({ host: '127.0.0.1', port: dispatcher.port });
    raw.on('error', () => undefined);
    // The dispatcher's LINK_CHALLENGE must be read, or the socket never sees the end of the stream.
    raw.resume();
    cleanups.push(() => raw.destroy());
    const rawClosed = new Promise<void>((resolve) => raw.on('close', () => resolve()));
    raw.write(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x01, 0x00]));
    await deadline(rawClosed, 'the raw socket to close');
    expect(dispatcher.stats).toMatchObject({ games: 0, gates: 0 });
  });

  it('closes a game or gate link that sends what its kind may not, and keeps serving the others', async () => {
    const { dispatcher, metrics } = await start();
    const game = await connectPeer(dispatcher.port);
    await hello(game, { gameId: 1 });
    const gate = await connectPeer(dispatcher.port);
    await hello(gate, { gateId: 1 });
    // A gate does not create entities.
    codec.encodeTo(gate.link, MSG.NOTIFY_CREATE_ENTITY, { entityId: TARGET, typeName: 'Target' });
    gate.link.flush();
    await deadline(gate.closed, 'the gate link to close');

    const rogue = await connectPeer(dispatcher.port);
    await hello(rogue, { gameId: 2 });
    rogue.link.send(999, new Uint8Array(4));
    rogue.link.flush();
    await deadline(rogue.closed, 'the rogue game link to close');
    expect(await refusedCount(metrics, 'internal-protocol')).toBe(2);

    // Game 1 is untouched: a call to its own entity still comes back.
    codec.encodeTo(game.link, MSG.NOTIFY_CREATE_ENTITY, { entityId: TARGET, typeName: 'Target' });
    codec.encodeTo(game.link, MSG.CALL_ENTITY_METHOD, { entityId: TARGET, method: 'still', args: [] });
    game.link.flush();
    await game.waitFor('the call to come back', (f) => f.type === MSG.CALL_ENTITY_METHOD.id);
    expect(dispatcher.stats).toMatchObject({ games: 1, gates: 0 });
  });
});

describe('dispatcher over TCP: a second hello', () => {
  it('resumes a game whose freeze was abandoned, and closes a game that says hello again otherwise', async () => {
    const { dispatcher } = await start();
    const { one: frozen, two: caller } = await twoGames(dispatcher);
    codec.encodeTo(frozen.link, MSG.START_FREEZE, { gameId: 1 });
    frozen.link.flush();
    await frozen.waitFor('FREEZE_ACK', (f) => f.type === MSG.FREEZE_ACK.id);
    codec.encodeTo(caller.link, MSG.CALL_ENTITY_METHOD, { entityId: TARGET, method: 'queued', args: [] });
    caller.link.flush();
    // The freeze is abandoned: the same process says hello again, as a restore, on the same link.
    codec.encodeTo(frozen.link, MSG.SET_GAME_ID, { gameId: 1, isRestore: true, entityIds: [] });
    frozen.link.flush();
    await frozen.waitFor('the queued call', (f) => f.type === MSG.CALL_ENTITY_METHOD.id);
    expect(dispatcher.stats.games).toBe(2);

    codec.encodeTo(caller.link, MSG.SET_GAME_ID, { gameId: 2, isRestore: false, entityIds: [] });
    caller.link.flush();
    await deadline(caller.closed, 'the second plain hello to close the link');
    expect(frozen.link.closed).toBe(false);
  });
});

describe('dispatcher over TCP: a migration racing a process swap', () => {
  it('keeps holding the entity through the restore hello until the target says MIGRATE_DONE', async () => {
    const { dispatcher } = await start();
    const { one: source, two: target } = await twoGames(dispatcher);
    // The game keeps ticking until its freeze completes: a portal asks for a migration meanwhile, so
    // the ack waits in the frozen game's queue while the entity is still in its snapshot.
    codec.encodeTo(source.link, MSG.START_FREEZE, { gameId: 1 });
    codec.encodeTo(source.link, MSG.MIGRATE_REQUEST, { entityId: TARGET, spaceId: nilSpaceId(2), hasPosition: false, x: 0, y: 0, z: 0 });
    source.link.flush();
    await source.waitFor('FREEZE_ACK', (f) => f.type === MSG.FREEZE_ACK.id);
    codec.encodeTo(target.link, MSG.CALL_ENTITY_METHOD, { entityId: TARGET, method: 'during', args: [] });
    target.link.flush();
    source.link.destroy();

    // The new process restores the snapshot, which still has the entity.
    const restored = await connectPeer(dispatcher.port);
    codec.encodeTo(restored.link, MSG.SET_GAME_ID, { gameId: 1, isRestore: true, entityIds: [TARGET] });
    restored.link.flush();
    await restored.waitFor('the queued MIGRATE_ACK', (f) => f.type === MSG.MIGRATE_ACK.id);
    codec.encodeTo(restored.link, MSG.MIGRATE_DATA, { entityId: TARGET, gateId: 0, fromSpace: nilSpaceId(1), data: { id: TARGET } });
    restored.link.flush();
    await target.waitFor('MIGRATE_IN', (f) => f.type === MSG.MIGRATE_IN.id);
    codec.encodeTo(target.link, MSG.MIGRATE_DONE, { entityId: TARGET });
    target.link.flush();
    const call = await target.waitFor('the held call, after the hand-off', (f) => f.type === MSG.CALL_ENTITY_METHOD.id);
    expect(target.frames.findIndex((f) => f === call)).toBeGreaterThan(target.frames.findIndex((f) => f.type === MSG.MIGRATE_IN.id));
    // Never to the game that packed it: it would have been dropped there as an unknown entity.
    expect(restored.frames.some((f) => f.type === MSG.CALL_ENTITY_METHOD.id)).toBe(false);
  });
});

describe('dispatcher over TCP: an abandoned migration', () => {
  it('is dropped with the entity when the pending sweep expires it, and counted lost', async () => {
    const { dispatcher, metrics, lines } = await start({ pendingTimeoutMs: 500 });
    const { one: source } = await twoGames(dispatcher);
    codec.encodeTo(source.link, MSG.MIGRATE_REQUEST, { entityId: TARGET, spaceId: nilSpaceId(2), hasPosition: false, x: 0, y: 0, z: 0 });
    source.link.flush();
    await source.waitFor('MIGRATE_ACK', (f) => f.type === MSG.MIGRATE_ACK.id);
    // The source never sends its data: the hand-off is stuck until the sweep (every 1 s) drops it.
    const gauge = async (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, 'm').exec(await metrics.text())?.[1] ?? NaN);
    expect(await gauge('tsworld_migrations_active')).toBe(1);
    await deadline((async () => {
      while (await gauge('tsworld_migrations_active') !== 0) await new Promise((r) => setTimeout(r, 50));
    })(), 'the sweep to drop the migration');
    expect(await metrics.text()).toMatch(/^tsworld_migrations_total\{[^}]*outcome="lost"[^}]*\} 1$/m);
    expect(dispatcher.stats.entities).toBe(0);
    // Ended by the sweep, not by the fake games going silent (liveness would end it later, as lost too).
    expect(lines.some((l) => l.message.startsWith('migration did not complete within the pending timeout'))).toBe(true);
  });
});

describe('dispatcher over TCP: calls to made-up ids', () => {
  it('holds at most the pending bounds, counts the refusals, logs a few lines, and keeps routing', async () => {
    const { dispatcher, metrics, lines } = await start();
    const flooder = await connectPeer(dispatcher.port);
    await hello(flooder, { gameId: 1 });
    const owner = await connectPeer(dispatcher.port);
    await hello(owner, { gameId: 2 });
    const gate = await connectPeer(dispatcher.port);
    await hello(gate, { gateId: 1 });
    codec.encodeTo(owner.link, MSG.NOTIFY_CREATE_ENTITY, { entityId: TARGET, typeName: 'Target' });
    owner.link.flush();

    const rand = mulberry32(7);
    const madeUp = (): string => `Rand${Math.floor(rand() * 2 ** 48).toString(16).padStart(12, '0')}`;
    const FLOOD = 2_000;
    const ids: string[] = [];
    for (let tick = 0; tick < 10; tick++) {
      for (let i = 0; i < FLOOD / 10; i++) {
        const entityId = madeUp();
        ids.push(entityId);
        codec.encodeTo(flooder.link, MSG.CALL_ENTITY_METHOD, { entityId, method: 'relayed', args: ['x', i] });
      }
      flooder.link.flush();
    }
    // Frames of one link are handled in order: once this call arrives, the flood has been handled.
    codec.encodeTo(flooder.link, MSG.CALL_ENTITY_METHOD, { entityId: TARGET, method: 'probe', args: [1] });
    flooder.link.flush();
    await owner.waitFor('the probe after the flood', (f) => f.type === MSG.CALL_ENTITY_METHOD.id);

    expect(dispatcher.stats.unplaced).toBe(PER_SENDER);
    expect(await refusedCount(metrics, 'pending-per-sender')).toBe(FLOOD - PER_SENDER);
    const refusalLines = lines.filter((l) => l.message.startsWith('frame refused'));
    expect(refusalLines.length).toBeGreaterThanOrEqual(1);
    // One line per limit per 5 s: a slow machine may see a second window, never one line per frame.
    expect(refusalLines.length).toBeLessThanOrEqual(3);

    // The second game meets the shared bound rather than its own.
    for (let i = 0; i < 100; i++) codec.encodeTo(owner.link, MSG.CALL_ENTITY_METHOD, { entityId: madeUp(), method: 'm', args: [] });
    codec.encodeTo(owner.link, MSG.CALL_ENTITY_METHOD, { entityId: TARGET, method: 'probe', args: [2] });
    owner.link.flush();
    await owner.waitFor('the second probe', (f) => f.type === MSG.CALL_ENTITY_METHOD.id && f.body.at(-1) === 2);
    expect(dispatcher.stats.unplaced).toBe(TOTAL);
    expect(await refusedCount(metrics, 'pending-total')).toBe(100 - (TOTAL - PER_SENDER));

    // A held id that shows up gets its frame; a client calling an id nobody has is told at once.
    codec.encodeTo(owner.link, MSG.NOTIFY_CREATE_ENTITY, { entityId: ids[0]!, typeName: 'Late' });
    owner.link.flush();
    await owner.waitFor('the held call to the late entity', (f) => f.type === MSG.CALL_ENTITY_METHOD.id && f.body.subarray(0, 16).every((b, i) => b === ids[0]!.charCodeAt(i)));
    expect(dispatcher.stats.unplaced).toBe(TOTAL - 1);
    codec.encodeTo(gate.link, MSG.CALL_FROM_CLIENT, { entityId: madeUp(), gateId: 1, clientId: 'Client0000000001', method: 'm', args: [] });
    gate.link.flush();
    const error = await gate.waitFor('ERROR for the client', (f) => f.type === MSG.ERROR.id);
    expect(codec.decode(MSG.ERROR, error.body)).toMatchObject({ gateId: 1, clientId: 'Client0000000001', code: CLIENT_ERROR_CODES.UNKNOWN_ENTITY });
    expect(violations(lines)).toHaveLength(0);
  });

  it('answers a client whose call was held for an id that never appears, when it expires', async () => {
    const log = createCaptureLog();
    const basics = { id: 1, host: '127.0.0.1', port: 0, expectedGames: 1, expectedGates: 1, codec, log, runtime: systemRuntime() };
    const dispatcher = await startDispatcher(dispatcherOptions(basics, { freezeQueueMaxFrames: 1000, maxHeldPerEntity: 100, unplacedTimeoutMs: 200 }));
    cleanups.push(() => dispatcher.close());
    const game = await connectPeer(dispatcher.port);
    await hello(game, { gameId: 1 });
    const gate = await connectPeer(dispatcher.port);
    await hello(gate, { gateId: 1 });
    const ghost = 'Ghost00000000001';
    codec.encodeTo(game.link, MSG.CALL_ENTITY_METHOD, { entityId: ghost, method: 'relayed', args: [] });
    game.link.flush();
    // The game's frame reaches the dispatcher before the client's (a different link): wait until held.
    await waitUntil(() => dispatcher.stats.unplaced === 1);
    codec.encodeTo(gate.link, MSG.CALL_FROM_CLIENT, { entityId: ghost, gateId: 1, clientId: 'Client0000000002', method: 'm', args: [] });
    gate.link.flush();
    const error = await gate.waitFor('ERROR after the timeout', (f) => f.type === MSG.ERROR.id);
    expect(codec.decode(MSG.ERROR, error.body)).toMatchObject({ clientId: 'Client0000000002', code: CLIENT_ERROR_CODES.UNKNOWN_ENTITY });
    expect(dispatcher.stats.unplaced).toBe(0);
    const summary = log.lines.filter((l) => l.message.startsWith('frames for entity ids no game announced'));
    expect(summary).toHaveLength(1);
    expect(summary[0]!.fields).toMatchObject({ entities: 1, sample: [ghost] });
  });
});

/** Resolves once `ready()` holds, checked every few ms (test-side only; the dispatcher has no hook). */
function waitUntil(ready: () => boolean): Promise<void> {
  const giveUpAt = Date.now() + DEADLINE_MS;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (ready()) resolve();
      else if (Date.now() > giveUpAt) reject(new Error('condition never held'));
      else setTimeout(check, 5);
    };
    check();
  });
}

describe('dispatcher over TCP: overloaded games', () => {
  /** Reports a game's overload, then waits until the dispatcher has handled it (a call behind it arrives). */
  async function report(game: Peer, gameId: number, overloaded: boolean, witness: Peer, seq: number): Promise<void> {
    codec.encodeTo(game.link, MSG.GAME_LOAD_REPORT, { gameId, load: 0, entityCount: 0, overloaded });
    codec.encodeTo(game.link, MSG.CALL_ENTITY_METHOD, { entityId: TARGET, method: 'probe', args: [seq] });
    game.link.flush();
    await witness.waitFor(`probe ${seq}`, (f) => f.type === MSG.CALL_ENTITY_METHOD.id && f.body.at(-1) === seq);
  }

  const boot = (i: number) => ({ entityId: `Boot${String(i).padStart(12, '0')}`, clientId: `Client${String(i).padStart(10, '0')}`, gateId: 1 });
  const boots = (peer: Peer) => peer.frames.filter((f) => f.type === MSG.NOTIFY_CLIENT_CONNECTED.id).length;

  it('places boot entities only on games that are not overloaded, and refuses new clients (1013) when none is left', async () => {
    const { dispatcher, metrics } = await start();
    const game1 = await connectPeer(dispatcher.port);
    await hello(game1, { gameId: 1 });
    const game2 = await connectPeer(dispatcher.port);
    await hello(game2, { gameId: 2 });
    const gate = await connectPeer(dispatcher.port);
    await hello(gate, { gateId: 1 });
    codec.encodeTo(game2.link, MSG.NOTIFY_CREATE_ENTITY, { entityId: TARGET, typeName: 'Target' });
    game2.link.flush();

    await report(game1, 1, true, game2, 1);
    for (let i = 1; i <= 4; i++) codec.encodeTo(gate.link, MSG.NOTIFY_CLIENT_CONNECTED, boot(i));
    gate.link.flush();
    await game2.waitFor('the fourth boot entity', (f) => f.type === MSG.NOTIFY_CLIENT_CONNECTED.id && (codec.decode(MSG.NOTIFY_CLIENT_CONNECTED, f.body) as { entityId?: string }).entityId === boot(4).entityId);
    // Round-robin would have given game 1 two of them.
    expect(boots(game2)).toBe(4);
    expect(boots(game1)).toBe(0);
    expect(await refusedCount(metrics, 'placement-overloaded')).toBe(4);

    await report(game2, 2, true, game2, 2);
    codec.encodeTo(gate.link, MSG.NOTIFY_CLIENT_CONNECTED, boot(5));
    gate.link.flush();
    const kick = await gate.waitFor('KICK_CLIENT for the fifth client', (f) => f.type === MSG.KICK_CLIENT.id);
    expect(codec.decode(MSG.KICK_CLIENT, kick.body)).toMatchObject({ gateId: 1, clientId: boot(5).clientId, code: 1013 });

    await report(game1, 1, false, game2, 3);
    codec.encodeTo(gate.link, MSG.NOTIFY_CLIENT_CONNECTED, boot(6));
    gate.link.flush();
    await game1.waitFor('the sixth boot entity, on the recovered game', (f) => f.type === MSG.NOTIFY_CLIENT_CONNECTED.id);
    expect(boots(game2)).toBe(4);
  });
});
