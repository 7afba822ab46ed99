import { describe, expect, it } from 'vitest';
import type { SuiteResult } from '../../benchmarks/bench-types.ts';
import { runCalls } from '../../benchmarks/calls/calls-suite.ts';
import { runCcu } from '../../benchmarks/ccu/ccu-suite.ts';
import { peerSystems, runPeers } from '../../benchmarks/peers/peers-suite.ts';

/**
 * Smoke run of the peers, calls and ccu benches at tiny N, through their real paths (a tsworld deployment, the
 * Colyseus server and the raw uWS server in processes of their own, bots in child processes): the JSON
 * that `--json` writes has the shape, and every figure is a finite number. No timing is asserted.
 */
const asJson = (result: SuiteResult) => JSON.parse(JSON.stringify(result)) as { suite: string; rows: Record<string, unknown>[] };

function expectFinite(row: Record<string, unknown>, keys: string[]): void {
  for (const key of keys) {
    expect(typeof row[key], `${String(row.system)} n=${String(row.n)} ${key}`).toBe('number');
    expect(Number.isFinite(row[key] as number), `${String(row.system)} n=${String(row.n)} ${key} = ${String(row[key])}`).toBe(true);
  }
}

describe('benchmarks peers, calls and ccu', () => {
  it('peers: one row per system with finite tick, echo, bytes and CPU figures', async () => {
    const rows = await runPeers({ ns: [6], warmupMs: 500, windowMs: 1500 }, peerSystems(), () => undefined);
    const json = asJson({ suite: 'peers', rows });
    expect(json.suite).toBe('peers');
    expect(json.rows.map((r) => r.system).sort()).toEqual(['colyseus', 'tsworld-all', 'tsworld-aoi']);
    for (const row of json.rows) {
      expect(row.n).toBe(6);
      expectFinite(row, ['n', 'tickP99Ms', 'echoP50Ms', 'echoP99Ms', 'bytesPerSecPerClient', 'serverCpuPct']);
      // Every client got position updates and answers, and some server process did work.
      expect(row.bytesPerSecPerClient as number).toBeGreaterThan(0);
      expect(row.echoes as number).toBeGreaterThan(0);
      expect(row.problems).toBe(0);
    }
  }, 90_000);

  it('calls: an echo row and a cross-game row, every call answered from its game through the real deployment', async () => {
    const rows = await runCalls({ ns: [6], warmupMs: 500, windowMs: 1500 }, () => undefined);
    const json = asJson({ suite: 'calls', rows });
    expect(json.rows.map((r) => r.call)).toEqual(['echo', 'cross']);
    for (const row of json.rows) {
      expectFinite(row, ['n', 'p50Ms', 'p99Ms', 'tickP99Ms', 'serverCpuPct']);
      expect(row.samples as number).toBeGreaterThan(0);
      // Lost, duplicated or reordered replies, closes and server errors are problems.
      expect(row.problems).toBe(0);
    }
  }, 60_000);

  it('ccu: rows for raw uWS and tsworld with finite memory, rate and CPU figures', async () => {
    const rows = await runCcu({ counts: [50], startMs: 300, settleMs: 300, restMs: 1000 }, () => undefined);
    const json = asJson({ suite: 'ccu', rows });
    expect(json.rows.map((r) => r.system)).toEqual(['raw-uws', 'tsworld']);
    for (const row of json.rows) expectFinite(row, ['n', 'kbPerClient', 'connectsPerSec', 'gateCpuAtRestPct']);
    expectFinite(json.rows[1], ['gameTickP99Ms', 'heapKbPerClient']);
  }, 60_000);
});
