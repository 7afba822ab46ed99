import { join } from 'node:path';
import { freePort } from '../../src/testing/free-port.ts';
import type { BenchRow, BenchSuite, SuiteOptions } from '../bench-types.ts';
import { alignedTable } from '../table.ts';
import { startChild, type IpcChild } from '../peers/child-ipc.ts';
import { cpuWindow, rssBytes } from '../peers/proc-cpu.ts';
import { gameTickWindow, startTsworld } from '../peers/tsworld-system.ts';
import { fittingCounts, openFilesLimit } from './fd-limit.ts';
import { retainedHeaps } from './retained-heap.ts';

const IDLE_CLIENTS = join(import.meta.dirname, 'idle-clients.ts');
const RAW_SERVER = join(import.meta.dirname, 'raw-uws-server.ts');
const IDLE_GAME = join(import.meta.dirname, 'idle-game.ts');
/** Connections per client process at most (each holds one descriptor per socket). */
const PER_PROCESS = 5000;
const CONCURRENCY = 100;

export interface CcuPlan {
  counts: number[];
  /** From the server's start to its memory baseline. */
  startMs: number;
  /** After the last connection and before measuring memory, and the at-rest CPU window. */
  settleMs: number;
  restMs: number;
}

export const FULL_CCU: CcuPlan = { counts: [1000, 10_000, 20_000], startMs: 1000, settleMs: 3000, restMs: 10_000 };
export const QUICK_CCU: CcuPlan = { counts: [1000, 10_000], startMs: 1000, settleMs: 2000, restMs: 5000 };

interface Server {
  name: 'tsworld' | 'raw-uws';
  url: string;
  pids: Record<string, number>;
  /** The tsworld game's tick over the at-rest window. */
  tickWindow?: () => Promise<() => Promise<{ p99Ms: number }>>;
  /** The tsworld processes' heap after a full GC (retained-heap.ts). */
  heaps?: () => Promise<Record<string, number>>;
  stop(): Promise<void>;
}

async function startServer(name: Server['name']): Promise<Server> {
  if (name === 'tsworld') {
    // The gate's default heartbeat timeout: the SDK heartbeats at its default period from it.
    const d = await startTsworld({ entry: IDLE_GAME, gateDefaults: { heartbeatTimeoutMs: 30_000 } });
    const heaps = () => retainedHeaps(d.dir, Object.keys(d.pids));
    return { name, url: d.wsUrls[0], pids: d.pids, tickWindow: () => gameTickWindow(d.metricsPorts.game1), heaps, stop: d.stop };
  }
  const port = await freePort();
  const child = startChild(RAW_SERVER, [String(port)]);
  await child.next('ready', 30_000);
  return { name, url: `ws://127.0.0.1:${port}/ws`, pids: { uws: child.pid }, stop: () => child.stop() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects n idle clients to a fresh server, then measures its processes' memory per client and CPU at rest. */
async function measureCcu(name: Server['name'], n: number, plan: CcuPlan, log: (line: string) => void): Promise<BenchRow> {
  const server = await startServer(name);
  const clients: IpcChild[] = [];
  try {
    // Before the wait: the full collection it takes releases startup garbage, and RSS is read from
    // there (taken after the RSS reading, it made the delta at 1k clients negative).
    const heapBefore = server.heaps ? await server.heaps() : null;
    await sleep(plan.startMs);
    const rssBefore = Object.fromEntries(Object.entries(server.pids).map(([p, pid]) => [p, rssBytes(pid)]));
    const processes = Math.ceil(n / PER_PROCESS);
    for (let i = 0; i < processes; i++) clients.push(startChild(IDLE_CLIENTS));
    await Promise.all(clients.map((c) => c.next('ready', 30_000)));
    const t0 = performance.now();
    await Promise.all(
      clients.map((c, i) => {
        const count = Math.floor(n / processes) + (i < n % processes ? 1 : 0);
        return c.request({ op: 'connect', kind: name === 'tsworld' ? 'tsworld' : 'raw', url: server.url, count, concurrency: CONCURRENCY }, 'connected', 300_000);
      }),
    );
    const connectMs = performance.now() - t0;
    await sleep(plan.settleMs);
    const kbPerClient = Object.fromEntries(Object.entries(server.pids).map(([p, pid]) => [p, (rssBytes(pid) - rssBefore[p]) / n / 1024]));
    const heapAfter = heapBefore && server.heaps ? await server.heaps() : null;
    const heapKb = heapAfter && heapBefore ? Object.entries(heapAfter).map(([p, bytes]) => [p, (bytes - heapBefore[p]!) / n / 1024] as const) : null;
    const endTicks = server.tickWindow ? await server.tickWindow() : null;
    const cpu = cpuWindow(server.pids);
    await sleep(plan.restMs);
    const cpuPct = cpu.stop();
    const tick = endTicks ? await endTicks() : null;
    const totalKb = Object.values(kbPerClient).reduce((a, b) => a + b, 0);
    const restCpu = name === 'tsworld' ? cpuPct.gate1 : cpuPct.uws;
    const row: BenchRow = {
      system: name,
      n,
      impl: name,
      baseline: name === 'raw-uws',
      // The generic columns carry memory: KB per client end to end.
      msPerTick: totalKb,
      meanMs: totalKb,
      p95Ms: totalKb,
      samples: n,
      kbPerClient: totalKb,
      kbPerClientByProcess: Object.entries(kbPerClient).map(([p, kb]) => `${p} ${kb.toFixed(2)}`).join(', '),
      ...(heapKb ? { heapKbPerClient: heapKb.reduce((a, [, kb]) => a + kb, 0), heapKbPerClientByProcess: heapKb.map(([p, kb]) => `${p} ${kb.toFixed(2)}`).join(', ') } : {}),
      connectsPerSec: n / (connectMs / 1000),
      gateCpuAtRestPct: restCpu,
      cpuAtRestByProcess: Object.entries(cpuPct).map(([p, pct]) => `${p} ${pct.toFixed(1)}`).join(', '),
      ...(tick ? { gameTickP99Ms: tick.p99Ms } : {}),
    };
    log(
      `${name} ${n} idle clients: ${totalKb.toFixed(2)} KB each (${row.kbPerClientByProcess}), ` +
        (heapKb ? `retained heap ${(row.heapKbPerClient as number).toFixed(2)} KB each (${row.heapKbPerClientByProcess}), ` : '') +
        `${Math.round(row.connectsPerSec as number)} connects/s, ` +
        `CPU at rest ${row.cpuAtRestByProcess}${tick ? `, game tick p99 ${tick.p99Ms.toFixed(1)} ms` : ''}`,
    );
    return row;
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    await server.stop();
  }
}

export async function runCcu(plan: CcuPlan, log: (line: string) => void): Promise<BenchRow[]> {
  const { counts, notes } = fittingCounts(plan.counts, openFilesLimit());
  for (const note of notes) log(note);
  const rows: BenchRow[] = [];
  for (const n of counts) for (const name of ['raw-uws', 'tsworld'] as const) rows.push(await measureCcu(name, n, plan, log));
  return rows;
}

const f = (v: unknown, d = 2) => (v === undefined ? '' : typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : String(v));

export function formatCcuTable(rows: BenchRow[]): string {
  const head = ['N', 'system', 'KB per client', 'KB per client by process', 'heap KB per client', 'heap KB per client by process', 'connects/s', 'gate CPU % at rest', 'CPU % at rest by process', 'game tick p99 ms'];
  const cells = rows.map((r) => [String(r.n), String(r.system), f(r.kbPerClient), String(r.kbPerClientByProcess), f(r.heapKbPerClient), String(r.heapKbPerClientByProcess ?? ''), f(r.connectsPerSec, 0), f(r.gateCpuAtRestPct, 1), String(r.cpuAtRestByProcess), f(r.gameTickP99Ms, 1)]);
  return alignedTable(head, cells, () => true);
}

export const ccuSuite: BenchSuite = {
  name: 'ccu',
  description:
    'idle clients (1k, 10k, 20k where the open-files limit allows): memory per client in each server process (RSS delta / N, ' +
    'and for tsworld the heap retained after a full GC), ' +
    'connection rate, and CPU at rest; tsworld (real deployment, SDK clients with heartbeats) against a bare uWS server in the same run',
  workloadColumns: ['n'],
  format: formatCcuTable,
  async run(log, opts?: SuiteOptions) {
    return { suite: 'ccu', rows: await runCcu(opts?.quick ? QUICK_CCU : FULL_CCU, log) };
  },
};
