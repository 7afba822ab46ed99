import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlRequest } from '../../../../src/cli/control-client.ts';
import { controlSocketPath, startControlServer } from '../../../../src/roles/shared/control-channel.ts';
import { createLogger } from '../../../../src/observability/index.ts';

const log = createLogger({ role: 'game', id: 1, level: 'silent', pretty: false });
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) fn();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsworld-control-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('control channel (CLI ↔ running role)', () => {
  it('streams a request\'s events, answers it, and tells the CLI when the role side closes', async () => {
    const path = controlSocketPath(tempDir(), 'game', 1);
    const server = await startControlServer(path, {
      freeze: async (request, emit) => {
        emit({ event: 'freeze', state: 'awaiting-acks' });
        emit({ event: 'freeze', state: 'frozen' });
        return { entities: 3, asked: request.cmd };
      },
    }, log);
    const events: string[] = [];
    const request = await controlRequest(path, { cmd: 'freeze' }, (e) => events.push(`${e.event}:${String(e.state ?? e.ok)}`));
    expect(await request.done).toMatchObject({ event: 'done', ok: true, entities: 3, asked: 'freeze' });
    expect(events).toEqual(['freeze:awaiting-acks', 'freeze:frozen', 'done:true']);
    request.close();
    await request.closed;
    server.close();
  });

  it('answers unknown commands and garbage with ok: false, and rejects when nobody listens', async () => {
    const path = controlSocketPath(tempDir(), 'game', 2);
    const server = await startControlServer(path, {}, log);
    cleanups.push(() => server.close());
    const unknown = await controlRequest(path, { cmd: 'nope' });
    expect(await unknown.done).toMatchObject({ ok: false, message: 'unknown command nope' });
    unknown.close();
    await expect(controlRequest(join(tempDir(), 'absent.sock'), { cmd: 'freeze' })).rejects.toMatchObject({ code: 'TRANSPORT_FAILURE' });
  });

  it('keeps socket paths short enough for the OS, stably', () => {
    const long = join('/tmp', 'x'.repeat(150));
    const path = controlSocketPath(long, 'game', 1);
    expect(Buffer.byteLength(path)).toBeLessThanOrEqual(100);
    expect(controlSocketPath(long, 'game', 1)).toBe(path);
    expect(controlSocketPath(long, 'game', 2)).not.toBe(path);
  });
});
