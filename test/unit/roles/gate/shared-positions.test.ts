import { describe, expect, it } from 'vitest';
import { createWireCodec } from '../../../../src/protocol/codec.ts';
import { createFrameBatch } from '../../../../src/protocol/frame-batch.ts';
import { createFrameParser } from '../../../../src/protocol/frame-parser.ts';
import { MSG } from '../../../../src/protocol/messages.ts';
import { createPackr } from '../../../../src/protocol/packr.ts';
import { SHARED_MAX_CLIENTS, writeSharedPositionFrames } from '../../../../src/protocol/position-frame.ts';
import { encodePositionBatch, positionBatchSize } from '../../../../src/protocol/position-sync.ts';
import { gateFrameTable, handleDispatcherFrame, type GateRelay } from '../../../../src/roles/gate/dispatcher-frames.ts';
import type { ClientProxy } from '../../../../src/roles/gate/client-proxy.ts';

const clientId = (n: number) => `client-${String(n).padStart(9, '0')}`;

/** A relay with `n` connected clients; what each is sent, and what the gate logged. */
function relay(n: number) {
  const byClientId = new Map<string, ClientProxy>();
  for (let i = 0; i < n; i++) byClientId.set(clientId(i), { clientId: clientId(i) } as ClientProxy);
  const sent = new Map<string, Uint8Array[]>();
  const warnings: string[] = [];
  const r = {
    codec: createWireCodec({ packr: createPackr() }),
    log: { warn: (_o: unknown, msg: string) => void warnings.push(msg), info() {}, error() {}, debug() {} },
    byClientId,
    sendToClient: (p: ClientProxy, m: Uint8Array) => void (sent.get(p.clientId) ?? sent.set(p.clientId, []).get(p.clientId)!).push(m),
    close() {},
    fatal() {},
    reboot() {},
    resumeRefused() {},
  } as unknown as GateRelay;
  return { r, sent, warnings };
}

/** POSITION_SYNC_SHARED frames as a game writes them, parsed back into bodies. */
function frames(clients: string[], records: number): Uint8Array[] {
  const src = { x: new Float32Array([1, 2, 3]), y: new Float32Array(3), z: new Float32Array(3), yaw: new Float32Array(3) };
  const batch = new Uint8Array(positionBatchSize(records));
  encodePositionBatch(batch, 0, src, [0, 1, 2].slice(0, records), [5, 6, 7].slice(0, records), records);
  const link = createFrameBatch();
  writeSharedPositionFrames(link, 1, clients, batch);
  const bodies: Uint8Array[] = [];
  createFrameParser({ onFrame: (type, body) => (expect(type).toBe(MSG.POSITION_SYNC_SHARED.id), bodies.push(body.slice())) }).push(link.takeBytes());
  return bodies;
}

describe('the gate and POSITION_SYNC_SHARED', () => {
  it('queues one POSITION_SYNC, the same bytes, for each client named, and skips those gone', () => {
    const { r, sent } = relay(SHARED_MAX_CLIENTS + 10);
    const named = [...Array.from({ length: SHARED_MAX_CLIENTS + 10 }, (_, i) => clientId(i)), clientId(99_999)];
    const bodies = frames(named, 3);
    expect(bodies).toHaveLength(2); // split at SHARED_MAX_CLIENTS ids
    const table = gateFrameTable(r.codec);
    for (const body of bodies) handleDispatcherFrame(r, table, MSG.POSITION_SYNC_SHARED.id, body);
    expect(sent.size).toBe(SHARED_MAX_CLIENTS + 10);
    const first = sent.get(clientId(0))![0];
    expect(first[0] | (first[1] << 8)).toBe(MSG.POSITION_SYNC.id);
    expect(first.length).toBe(2 + positionBatchSize(3));
    expect(sent.get(clientId(SHARED_MAX_CLIENTS + 9))![0]).toEqual(first);
  });

  it('drops a body whose lengths do not add up, whole and before sending anything, and says so', () => {
    const { r, sent, warnings } = relay(4);
    const table = gateFrameTable(r.codec);
    const good = frames([clientId(0), clientId(1)], 2)[0];
    const cases = [
      good.subarray(0, 3), // shorter than its header
      good.subarray(0, good.length - 1), // batch one byte short of its record count
      Uint8Array.from([...good, 0]), // one byte too many
      (() => { const b = good.slice(); b[2] = 200; return b; })(), // claims 200 client ids
      (() => { const b = good.slice(); b[4] = 0x01; return b; })(), // a control byte in a client id
    ];
    for (const body of cases) handleDispatcherFrame(r, table, MSG.POSITION_SYNC_SHARED.id, body);
    expect(sent.size).toBe(0);
    expect(warnings).toHaveLength(cases.length);
    handleDispatcherFrame(r, table, MSG.POSITION_SYNC_SHARED.id, good);
    expect(sent.size).toBe(2);
  });
});
