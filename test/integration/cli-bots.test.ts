import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetReport } from '../../src/testing/bots/index.ts';
import { BOT_SWARM_ADMISSION, repoRoot, startDeployment, type TestDeployment } from '../support/deployment.ts';

const entry = join(repoRoot, 'examples', 'mmo', 'game', 'main.ts');
const bin = join(repoRoot, 'src', 'cli', 'bin.mjs');

/** `tsworld bots ...` to completion: its exit code, the JSON report on stdout and what it said on stderr. */
function bots(...args: string[]): Promise<{ code: number; report: FleetReport | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'bots', ...args], { cwd: repoRoot, timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      let report: FleetReport | null = null;
      try {
        report = JSON.parse(stdout) as FleetReport;
      } catch {
        // No report: the command failed before the fleet ran; stderr says why.
      }
      resolve({ code, report, stderr });
    });
  });
}

describe('tsworld bots', () => {
  let d: TestDeployment;
  const dir = mkdtempSync(join(tmpdir(), 'tsworld-bots-'));
  beforeAll(async () => {
    d = await startDeployment({ entry, games: 2, gates: 1, gateDefaults: BOT_SWARM_ADMISSION });
  });
  afterAll(async () => {
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the swarm against the deployment of a config and reports every reply answered', async () => {
    const r = await bots(d.dir, '--count', '12', '--seconds', '2', '--rpc-hz', '4');
    expect(r.stderr).toContain('12 bots connected');
    expect(r.code).toBe(0);
    expect(r.report!.bots).toBe(12);
    expect(r.report!.problems).toEqual([]);
    for (const name of ['echo', 'cross']) {
      expect(r.report!.channels[name]!.sent).toBeGreaterThan(0);
      expect(r.report!.channels[name]!.received).toBe(r.report!.channels[name]!.sent);
      expect(r.report!.channels[name]!.missing).toBe(0);
    }
    expect(r.report!.movesSent).toBeGreaterThan(0);
  });

  it('runs a login flow per bot before it plays, and takes its channels from --channel', async () => {
    const login = join(dir, 'login.mjs');
    // Each bot proves its session works (an echo answered) before the swarm starts sending.
    writeFileSync(login, `export default async function login(client, index) {
  const player = await client.waitForPlayer();
  await new Promise((resolve) => {
    const off = client.on('call', (_e, method, args) => { if (method === 'onEcho' && args[0] === -1) { off(); resolve(); } });
    client.call(player.id, 'echo', -1);
  });
  process.stderr.write('logged in ' + index + '\\n');
}
`);
    const r = await bots(d.dir, '--url', d.wsUrls[0]!, '--count', '5', '--seconds', '1', '--login', login, '--channel', 'ping=echo:onEcho');
    expect(r.code).toBe(0);
    expect(r.stderr.match(/logged in \d+/g)?.sort()).toEqual(['logged in 0', 'logged in 1', 'logged in 2', 'logged in 3', 'logged in 4']);
    expect(Object.keys(r.report!.channels)).toEqual(['ping']);
    expect(r.report!.channels['ping']!.sent).toBeGreaterThan(0);
    expect(r.report!.channels['ping']!.received).toBe(r.report!.channels['ping']!.sent);
  });

  it('refuses a bad channel, and a login module without a default function', async () => {
    expect((await bots(d.dir, '--channel', 'nonsense')).stderr).toContain('--channel expects name=method:reply');
    const bad = join(dir, 'bad-login.mjs');
    writeFileSync(bad, 'export const login = 1;\n');
    const r = await bots(d.dir, '--count', '1', '--login', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('must default-export');
  });
});
