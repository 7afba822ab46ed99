import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild } from '../peers/child-ipc.ts';
import { startTsworld } from '../peers/tsworld-system.ts';

/**
 * Where an idle client's memory goes: `node --experimental-strip-types benchmarks/ccu/heap-profile.ts [N]`
 * connects N idle clients (default 5000) to the ccu bench's idle deployment, has every server process
 * write a heap snapshot (SIGUSR2), and prints per process the retained bytes per client by constructor,
 * largest first. A profile to read, not a bench row: the bench's figure is RSS (ccu-suite.ts).
 */
const N = Number(process.argv[2] ?? 5000);
const TOP = 25;

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/**
 * For arrays and plain objects, "what holds them" says more than their type: each such node is keyed by
 * its first retainer's class and the edge's name (`ClientProxy.requests`, say).
 */
function retainerKeys(snap: Snapshot): Map<number, string> {
  const nf = snap.snapshot.meta.node_fields;
  const ef = snap.snapshot.meta.edge_fields;
  const width = nf.length;
  const ew = ef.length;
  const edgeCountAt = nf.indexOf('edge_count');
  const nameAt = nf.indexOf('name');
  const typeAt = nf.indexOf('type');
  const eType = ef.indexOf('type');
  const eName = ef.indexOf('name_or_index');
  const eTo = ef.indexOf('to_node');
  const edgeTypes = snap.snapshot.meta.edge_types[0];
  const nodeTypes = snap.snapshot.meta.node_types[0];
  const out = new Map<number, string>();
  let e = 0;
  for (let n = 0; n < snap.nodes.length; n += width) {
    const count = snap.nodes[n + edgeCountAt]!;
    const owner = `${nodeTypes[snap.nodes[n + typeAt]!]}:${snap.strings[snap.nodes[n + nameAt]!]}`;
    for (let k = 0; k < count; k++, e += ew) {
      const to = snap.edges[e + eTo]!;
      if (out.has(to)) continue;
      const type = edgeTypes[snap.edges[e + eType]!];
      if (type === 'weak') continue;
      const name = type === 'element' || type === 'hidden' ? `[${type}]` : snap.strings[snap.edges[e + eName]!];
      out.set(to, `${owner}.${name}`);
    }
  }
  return out;
}

/** Self size summed by constructor (object nodes by their class name, others by their node type). */
function bySelfSize(file: string): Map<string, { bytes: number; count: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const retainers = retainerKeys(snap);
  const out = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const name = snap.strings[snap.nodes[i + nameAt]!];
    const byHolder = type === 'array' || name === 'Object' || name === 'Array' || name === 'Map' || name === 'Set';
    const key = (type === 'object' || type === 'closure' ? `${type}:${name}` : type) + (byHolder ? ` held by ${retainers.get(i) ?? '?'}` : '');
    const row = out.get(key) ?? { bytes: 0, count: 0 };
    row.bytes += snap.nodes[i + sizeAt]!;
    row.count++;
    out.set(key, row);
  }
  return out;
}

async function snapshotOf(pid: number, dir: string, before: Set<string>): Promise<string> {
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const fresh = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot') && f.includes(`.${pid}.`) && !before.has(f));
    // The file grows while V8 writes it: done once its size holds still for a second.
    if (fresh.length > 0) {
      const file = join(dir, fresh[0]!);
      for (let size = -1; size !== statSync(file).size; ) {
        size = statSync(file).size;
        await new Promise((r) => setTimeout(r, 1000));
      }
      return file;
    }
  }
  throw new Error(`no heap snapshot from pid ${pid}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tsworld-heap-'));
  process.env['NODE_OPTIONS'] = `${process.env['NODE_OPTIONS'] ?? ''} --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${dir}`;
  const d = await startTsworld({ entry: join(import.meta.dirname, 'idle-game.ts'), gateDefaults: { heartbeatTimeoutMs: 30_000 } });
  const clients = startChild(join(import.meta.dirname, 'idle-clients.ts'));
  try {
    await clients.next('ready', 30_000);
    const sizes: Record<string, Map<string, { bytes: number; count: number }>> = {};
    for (const [name, pid] of Object.entries(d.pids)) sizes[name] = bySelfSize(await snapshotOf(pid, dir, new Set()));
    await clients.request({ op: 'connect', kind: 'tsworld', url: d.wsUrls[0], count: N, concurrency: 100 }, 'connected', 300_000);
    await new Promise((r) => setTimeout(r, 3000));
    const seen = new Set(readdirSync(dir));
    for (const [name, pid] of Object.entries(d.pids)) {
      const after = bySelfSize(await snapshotOf(pid, dir, seen));
      const rows = [...after].map(([k, v]) => ({ k, bytes: v.bytes - (sizes[name]!.get(k)?.bytes ?? 0), count: v.count - (sizes[name]!.get(k)?.count ?? 0) }));
      rows.sort((a, b) => b.bytes - a.bytes);
      const total = rows.reduce((a, r) => a + r.bytes, 0);
      console.log(`\n${name}: ${(total / N).toFixed(0)} B of heap per client (self sizes, after - before)`);
      for (const r of rows.slice(0, TOP)) console.log(`  ${(r.bytes / N).toFixed(1).padStart(8)} B  ${(r.count / N).toFixed(2).padStart(6)}/client  ${r.k}`);
    }
  } finally {
    clients.stop();
    await d.stop();
  }
}

await main();
