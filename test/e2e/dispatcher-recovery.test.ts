import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entityIdShard } from '../../src/protocol/index.ts';
import { writeFaultGame } from '../fixtures/fault-game.ts';
import { testClient, type TestClient } from '../support/clients.ts';
import { startDeployment, type TestDeployment } from '../support/deployment.ts';

type Status = Awaited<ReturnType<TestDeployment['status']>>;
const proc = (s: Status, role: string, id: number) => s.processes.find((p) => p.role === role && p.id === id)!;

async function statusUntil(d: TestDeployment, probe: (s: Status) => boolean, what: string, timeoutMs = 45_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const status = await d.status();
    if (probe(status)) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Caller {
  client: TestClient;
  id: string;
  /** 1-based; a gate's replies come through dispatcher (gate - 1) % N + 1 (GoWorld's rule). */
  gate: number;
  sent: number;
  /** When each echo was sent (index seq - 1). */
  sentAt: number[];
  /** Sequence numbers of the echoes answered, in arrival order. */
  answered: number[];
}

async function callers(d: TestDeployment, n: number): Promise<Caller[]> {
  const out: Caller[] = [];
  for (let i = 0; i < n; i++) {
    const client = await testClient(d.wsUrls[i % d.wsUrls.length]!);
    const player = await client.waitForPlayer();
    const c: Caller = { client, id: player.id, gate: (i % d.wsUrls.length) + 1, sent: 0, sentAt: [], answered: [] };
    client.on('call', (_e, method, args) => method === 'onEcho' && c.answered.push(args[0] as number));
    out.push(c);
  }
  return out;
}

/** Every caller sends one echo every 50 ms; returns a stop function. */
function keepCalling(all: Caller[]): () => void {
  const timer = setInterval(() => {
    for (const c of all) {
      c.client.call(c.id, 'echo', ++c.sent);
      c.sentAt.push(Date.now());
    }
  }, 50);
  return () => clearInterval(timer);
}

describe.each([1, 2])('a dispatcher killed with kill -9 (%i dispatchers)', (dispatchers) => {
  let d: TestDeployment;
  let dir: string;
  let all: Caller[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsworld-dispatcher-loss-'));
    d = await startDeployment({
      entry: writeFaultGame(dir), dispatchers, games: 2, gates: 2,
      sections: { supervision: { backoffMs: 100 } },
    });
  });
  afterAll(async () => {
    for (const c of all) c.client.close();
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('comes back; no client is disconnected, and calls made meanwhile are parked and answered once, in order', async () => {
    all = await callers(d, 8);
    const stop = keepCalling(all);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const pid = proc(await d.status(), 'dispatcher', 1).pid;
    const tKill = Date.now();
    // Echoes of entities of the other shard, answered while dispatcher 1 is gone, show it is untouched:
    // calls go through the entity's dispatcher, replies through the gate's (gate 2's is dispatcher 2).
    const otherShard = all.filter((c) => dispatchers > 1 && entityIdShard(c.id, dispatchers) === 1 && c.gate === 2);
    const answeredBefore = otherShard.map((c) => c.answered.length);
    process.kill(pid, 'SIGKILL');
    const backMs = await statusUntil(d, (s) => proc(s, 'dispatcher', 1).alive && proc(s, 'dispatcher', 1).pid !== pid, 'dispatcher1 restarted');
    const duringOutage = otherShard.map((c, i) => c.answered.length - answeredBefore[i]!);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    stop();
    // Everything sent after the kill was parked and is answered; wait for the last one.
    for (const [i, c] of all.entries()) {
      // Through the recorded calls: the waiter is poked after the client's recorder, not after our listener.
      await c.client.waitCall('onEcho', (a) => a[0] === c.sent, 30_000).catch(async (err: Error) => {
        const missing = Array.from({ length: c.sent }, (_, k) => k + 1).filter((k) => !c.answered.includes(k));
        const restarts = (await d.status()).processes.map((p) => `${p.role}${p.id}:${p.restarts}`).join(' ');
        throw new Error(`${err.message}; caller ${i} (gate ${c.gate}, shard ${entityIdShard(c.id, dispatchers) + 1}) missing ${missing.length} from ${missing[0]} (sent ${c.sentAt[missing[0]! - 1]! - tKill} ms after the kill); restarts ${restarts}`);
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const restarted = (await d.status()).processes.filter((p) => p.restarts > 0).map((p) => `${p.role}${p.id}`);
    console.log(
      `${dispatchers} dispatcher(s): dispatcher1 killed, running again in ${backMs} ms; ${all.reduce((n, c) => n + c.sent, 0)} echoes, ` +
        `restarted: ${restarted.join(', ')}` +
        (otherShard.length ? `; the other shard answered ${Math.min(...duringOutage)}+ echoes per client meanwhile` : ''),
    );
    // What was inside the dying dispatcher (in its sockets, read and not yet forwarded) was never
    // acknowledged (LINK_ACK), so the games and gates wrote it again to the new one: nothing is lost,
    // duplicated or reordered, and nobody is disconnected.
    const lost = all.flatMap((c) => Array.from({ length: c.sent }, (_, k) => k + 1).filter((k) => !c.answered.includes(k)).map((k) => c.sentAt[k - 1]! - tKill));
    console.log(`  in flight through the dying dispatcher and lost: ${lost.length} of ${all.reduce((n, c) => n + c.sent, 0)} (sent ${lost.join(', ')} ms from the kill)`);
    expect(lost, 'echoes never answered, by when they were sent (ms from the kill)').toEqual([]);
    for (const c of all) {
      expect(c.answered, 'answered once each, in order').toEqual([...c.answered].sort((a, b) => a - b).filter((v, i, a) => a.indexOf(v) === i));
      expect(c.client.connected).toBe(true);
    }
    expect(restarted).toEqual(['dispatcher1']);
    for (const n of duringOutage) expect(n).toBeGreaterThan(0);
  });
});
