import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { resumeMessage } from '../../../../src/client/reconnect.ts';
import { CLOSE_CODES, MSG } from '../../../../src/protocol/index.ts';
import { createResumeTokens, RESUME_TOKEN_BYTES } from '../../../../src/roles/gate/resume-token.ts';
import { createTestCluster, type TestCluster } from '../../../../src/testing/test-cluster.ts';
import { writeResumeGame } from '../../../fixtures/resume-game.ts';
import { openRawClient, type RawClient } from '../../../support/raw-client.ts';

/**
 * The gate's side of RESUME on real sockets (roles in process, system clock): the handshake's checks,
 * a token it did not sign, and a token used twice. A refused resume gets a new boot entity.
 */
const dir = mkdtempSync(join(tmpdir(), 'tsworld-resume-gate-'));
const entry = writeResumeGame(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('RESUME at the gate', () => {
  let c: TestCluster | undefined;
  const raws: RawClient[] = [];
  afterEach(async () => {
    for (const r of raws.splice(0)) await r.close();
    await c?.stop();
    c = undefined;
  });
  const url = () => `ws://127.0.0.1:${c!.gates[0].port}/ws`;
  const open = async (hello: boolean) => {
    const raw = await openRawClient(url(), { hello, player: hello });
    raws.push(raw);
    return raw;
  };

  it('signs tokens it can check, and no other key can', () => {
    const a = createResumeTokens(new Uint8Array(32).fill(1));
    const b = createResumeTokens(new Uint8Array(32).fill(2));
    const token = a.issue('Client0000000001');
    expect(token).toHaveLength(RESUME_TOKEN_BYTES);
    expect(a.verify(token)).toBe('Client0000000001');
    expect(b.verify(token)).toBeNull();
    const flipped = token.slice();
    flipped[RESUME_TOKEN_BYTES - 1] ^= 1;
    expect(a.verify(flipped)).toBeNull();
    expect(a.verify(token.subarray(0, 20))).toBeNull();
  });

  it('answers a token it did not sign with a refusal and a new boot entity', async () => {
    c = await createTestCluster({ game: entry, clock: 'system', clients: 'socket' });
    const first = await open(true);
    const forged = new Uint8Array(RESUME_TOKEN_BYTES).fill(0x41);
    const raw = await open(false);
    raw.send(resumeMessage(forged, first.player!.id));
    await raw.waitFor(() => raw.player, 'a new player');
    expect(raw.resumeResults).toEqual([{ resumed: false, reason: 'the resume token is not valid' }]);
    expect(raw.player!.id).not.toBe(first.player!.id);
    expect(raw.types.slice(0, 3)).toEqual([MSG.WELCOME.id, MSG.RESUME_TOKEN.id, MSG.RESUME_RESULT.id]);
  });

  it('resumes once with a token; the same token again is refused', async () => {
    c = await createTestCluster({ game: entry, clock: 'system', clients: 'socket' });
    const first = await open(true);
    await first.waitFor(() => first.resumeToken, 'a token');
    const token = first.resumeToken!;
    const player = first.player!.id;
    first.ws.terminate();
    const again = await open(false);
    again.send(resumeMessage(token, player));
    await again.waitFor(() => again.resumeResults.length > 0 && again.player, 'the answer and the player');
    expect(again.resumeResults).toEqual([{ resumed: true, reason: '' }]);
    expect(again.player!.id).toBe(player);
    const replay = await open(false);
    replay.send(resumeMessage(token, player));
    await replay.waitFor(() => replay.resumeResults.length > 0 && replay.player, 'the answer and a player');
    expect(replay.resumeResults[0]!.resumed).toBe(false);
    expect(replay.player!.id).not.toBe(player);
  });

  it('closes a malformed RESUME (4003) and a RESUME after HELLO (4009)', async () => {
    c = await createTestCluster({ game: entry, clock: 'system', clients: 'socket' });
    const short = await open(false);
    short.send(resumeMessage(new Uint8Array(5), 'Client0000000001'));
    expect((await short.waitClosed(5000))?.code).toBe(CLOSE_CODES['bad-body']);
    const late = await open(true);
    late.send(resumeMessage(new Uint8Array(RESUME_TOKEN_BYTES), late.player!.id));
    expect((await late.waitClosed(5000))?.code).toBe(CLOSE_CODES.handshake);
  });
});
