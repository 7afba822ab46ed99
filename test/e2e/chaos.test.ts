import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFaultGame } from '../fixtures/fault-game.ts';
import { testClient, type TestClient } from '../support/clients.ts';
import { startDeployment, type TestDeployment } from '../support/deployment.ts';

const CLIENTS = 60;
const CALL_EVERY_MS = 100;
const KILL_EVERY_MS = 10_000;
/** One of each kind, then the rest: every recovery path runs at least once in the ~70 s. */
const VICTIMS = ['game2', 'dispatcher1', 'gate1', 'game1', 'dispatcher2', 'gate2', 'game2'] as const;

type Status = Awaited<ReturnType<TestDeployment['status']>>;
const find = (s: Status, name: string) => s.processes.find((p) => `${p.role}${p.id}` === name)!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One player: a client that calls echo(seq) and keeps playing through LOST and through a reconnect. */
interface Player {
  gate: number;
  client: TestClient;
  /** The entity it plays now; each new one (LOST, reconnect) starts a new run of replies. */
  id: string;
  sent: number;
  /** Replies per entity played, in arrival order. */
  runs: Map<string, number[]>;
  reconnects: number;
  losts: number;
}

async function join_(d: TestDeployment, p: Player): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      p.client = await testClient(d.wsUrls[p.gate - 1]!);
      break;
    } catch {
      // Its gate is being restarted: try again, as a player's client would.
      await sleep(Math.min(2000, 100 * 2 ** attempt));
    }
  }
  p.id = (await p.client.waitForPlayer()).id;
  p.runs.set(p.id, []);
  p.client.on('call', (_e, method, args) => {
    if (method === 'onEcho') p.runs.get(p.id)?.push(args[0] as number);
  });
  p.client.on('lost', () => {
    p.losts++;
    void p.client.waitForPlayer().then((e) => {
      p.id = e.id;
      p.runs.set(e.id, []);
    });
  });
  p.client.on('close', () => {
    p.reconnects++;
    void join_(d, p);
  });
}

/**
 * Losing any one process is survivable: with players calling all the while, one process at a time is
 * killed with kill -9 every 10 s (each kind at least once) and the supervisor brings it back. At the end
 * every player plays again and is answered; replies never come twice or out of order; after a dispatcher
 * or gate restart no other process restarted. Replies lost are counted: those owed by the killed game's
 * entities, and those inside a dispatcher at the instant it died.
 */
describe('chaos: a random process killed every 10 s under load', () => {
  let d: TestDeployment;
  let dir: string;
  const players: Player[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsworld-chaos-'));
    d = await startDeployment({
      entry: writeFaultGame(dir), dispatchers: 2, games: 2, gates: 2,
      sections: { supervision: { backoffMs: 100, maxRestarts: 10 } },
    });
    for (let i = 0; i < CLIENTS; i++) {
      const p = { gate: (i % 2) + 1, client: undefined as never, id: '', sent: 0, runs: new Map(), reconnects: 0, losts: 0 } as Player;
      await join_(d, p);
      players.push(p);
    }
  }, 120_000);
  afterAll(async () => {
    for (const p of players) {
      p.client.on('close', () => undefined);
      p.client.close();
    }
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every player plays on, answered once and in order, and each process comes back', async () => {
    const calling = setInterval(() => {
      for (const p of players) if (p.client.connected && p.id) p.client.call(p.id, 'echo', ++p.sent);
    }, CALL_EVERY_MS);
    const table: string[] = [];
    try {
      for (const victim of VICTIMS) {
        await sleep(KILL_EVERY_MS / 2);
        const before = await d.status();
        const t0 = Date.now();
        process.kill(find(before, victim).pid, 'SIGKILL');
        for (;;) {
          const s = await d.status();
          const v = find(s, victim);
          if (v.alive && v.pid !== find(before, victim).pid) {
            const others = s.processes.filter((p) => `${p.role}${p.id}` !== victim && p.restarts !== find(before, `${p.role}${p.id}`).restarts);
            table.push(`${victim.padEnd(12)} back in ${String(Date.now() - t0).padStart(5)} ms; others restarted: ${others.map((p) => `${p.role}${p.id}`).join(', ') || 'none'}`);
            if (!victim.startsWith('game')) expect(others, `only ${victim} restarted`).toEqual([]);
            break;
          }
          expect(Date.now() - t0, `${victim} back within 30 s`).toBeLessThan(30_000);
          await sleep(100);
        }
        await sleep(KILL_EVERY_MS / 2);
      }
    } finally {
      clearInterval(calling);
    }
    // Every player is connected and answered now.
    for (const [i, p] of players.entries()) {
      const seq = ++p.sent;
      p.client.call(p.id, 'echo', seq);
      await p.client.waitCall('onEcho', (a) => a[0] === seq, 30_000).catch((err: Error) => {
        throw new Error(`player ${i} (gate ${p.gate}, ${p.reconnects} reconnects, ${p.losts} LOST): ${err.message}`);
      });
      expect(p.client.connected).toBe(true);
    }
    let replies = 0;
    // A gap inside a run is a reply lost while its game lived (inside a dispatcher killed at that instant);
    // what is missing after a run's last reply went down with its game.
    let gaps = 0;
    for (const p of players) {
      for (const run of p.runs.values()) {
        replies += run.length;
        // Once each, in order, within what one entity answered.
        expect(run).toEqual([...new Set(run)].sort((a, b) => a - b));
        if (run.length > 1) gaps += run[run.length - 1]! - run[0]! + 1 - run.length;
      }
    }
    const sent = players.reduce((n, p) => n + p.sent, 0);
    console.log(
      `chaos: ${CLIENTS} players, ${sent} echoes sent, ${replies} answered; ${sent - replies - gaps} went down with a killed game or gate, ` +
        `${gaps} were lost while their game lived (inside a dispatcher killed at that instant); ${players.reduce((n, p) => n + p.reconnects, 0)} reconnects, ${players.reduce((n, p) => n + p.losts, 0)} LOST\n  ` +
        table.join('\n  '),
    );
    // A reply owed while its game lived is never lost, not even through a dispatcher killed with it
    // inside (LINK_ACK): only what a killed game or gate owed is gone.
    expect(gaps).toBe(0);
  }, 180_000);
});
