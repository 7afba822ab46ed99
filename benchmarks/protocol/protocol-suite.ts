import { createPackr } from '../../src/protocol/packr.ts';
import { encodePositionBatch, positionBatchSize } from '../../src/protocol/position-sync.ts';
import type { PositionSource } from '../../src/protocol/position-sync.ts';
import type { BenchRow, BenchSuite } from '../bench-types.ts';
import { measure } from '../measure.ts';

/**
 * Position sync encode for one tick: `clients` batches of `perClient` records (handle + x, y, z, yaw)
 * from the same Float32Arrays. Baseline: msgpackr packing the same records as [handle, x, y, z, yaw]
 * tuples (what a straightforward implementation would send); compared: the raw quantized batch.
 */
const CLIENTS = 100;
const PER_CLIENT = [30, 300];
const ENTITIES = 10_000;

function makeSource(): PositionSource {
  let s = 99;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const src = {
    x: new Float32Array(ENTITIES),
    y: new Float32Array(ENTITIES),
    z: new Float32Array(ENTITIES),
    yaw: new Float32Array(ENTITIES),
  };
  for (let e = 0; e < ENTITIES; e++) {
    src.x[e] = rand() * 10_000;
    src.y[e] = rand() * 10;
    src.z[e] = rand() * 10_000;
    src.yaw[e] = rand() * 6.28;
  }
  return src;
}

function views(perClient: number): { eids: Int32Array[]; handles: Uint16Array[] } {
  const eids: Int32Array[] = [];
  const handles: Uint16Array[] = [];
  for (let c = 0; c < CLIENTS; c++) {
    eids.push(Int32Array.from({ length: perClient }, (_, i) => (c * 97 + i * 13) % ENTITIES));
    handles.push(Uint16Array.from({ length: perClient }, (_, i) => i + 1));
  }
  return { eids, handles };
}

export const protocolSuite: BenchSuite = {
  name: 'protocol',
  description: `position sync encode per tick: ${CLIENTS} clients × N visible entities, raw quantized vs msgpackr`,
  workloadColumns: ['perClient'],
  async run(log) {
    const rows: BenchRow[] = [];
    const src = makeSource();
    const packr = createPackr();
    for (const perClient of PER_CLIENT) {
      const { eids, handles } = views(perClient);
      const out = new Uint8Array(positionBatchSize(perClient));
      const records = CLIENTS * perClient;
      const impls: Array<{ name: string; baseline: boolean; tick: () => number }> = [
        {
          name: 'msgpackr',
          baseline: true,
          tick() {
            let bytes = 0;
            for (let c = 0; c < CLIENTS; c++) {
              const list = new Array<unknown>(perClient);
              const ids = eids[c];
              for (let i = 0; i < perClient; i++) {
                const e = ids[i];
                list[i] = [handles[c][i], src.x[e], src.y[e], src.z[e], src.yaw[e]];
              }
              bytes += packr.pack(list).length;
            }
            return bytes;
          },
        },
        {
          name: 'raw-quantized',
          baseline: false,
          tick() {
            let bytes = 0;
            for (let c = 0; c < CLIENTS; c++) bytes += encodePositionBatch(out, 0, src, eids[c], handles[c], perClient);
            return bytes;
          },
        },
      ];
      for (const impl of impls) {
        const bytesPerTick = impl.tick();
        const timing = await measure(`${impl.name} ${perClient}`, () => void impl.tick(), { iterations: 50, timeMs: 1_500 });
        const recordsPerSec = records / (timing.medianMs / 1000);
        rows.push({
          perClient,
          impl: impl.name,
          baseline: impl.baseline,
          msPerTick: timing.medianMs,
          meanMs: timing.meanMs,
          p95Ms: timing.p95Ms,
          samples: timing.samples,
          bytesPerRecord: Number((bytesPerTick / records).toFixed(2)),
          mRecordsPerSec: Number((recordsPerSec / 1e6).toFixed(2)),
        });
        log(`${impl.name.padEnd(14)} perClient=${perClient}: median ${timing.medianMs.toFixed(3)} ms/tick, ` +
          `${(recordsPerSec / 1e6).toFixed(2)} M records/s, ${(bytesPerTick / records).toFixed(2)} B/record`);
      }
    }
    return { suite: 'protocol', rows };
  },
};
