import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TsworldError } from '../../../src/core/errors.ts';
import { createLogger } from '../../../src/observability/index.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsworld-logger-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function memoryStream(isTTY = false): Writable & { isTTY: boolean; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return Object.assign(stream, { isTTY, text: () => chunks.join('') });
}

describe('createLogger', () => {
  it('writes JSON lines with role, id and fields to the process log file, honouring the level', async () => {
    const file = join(dir, 'nested', 'game-2.log');
    const foreground = memoryStream();
    const log = createLogger({ role: 'game', id: 2, level: 'info', file, stream: foreground });
    log.debug('not written');
    log.info({ entities: 5 }, 'tick');
    log.child({ space: 'S1' }).warn('crowded');
    log.error({ err: new TsworldError('STORAGE_FAILURE', 'save failed', { cause: new Error('disk full') }) }, 'oops');
    await log.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l['msg'])).toEqual(['tick', 'crowded', 'oops']);
    expect(lines[0]).toMatchObject({ role: 'game', id: 2, pid: process.pid, level: 30, entities: 5 });
    expect(lines[1]).toMatchObject({ role: 'game', id: 2, space: 'S1', level: 40 });
    expect(lines[2]!['err']).toMatchObject({ type: 'TsworldError', code: 'STORAGE_FAILURE' });
    expect(JSON.stringify(lines[2]!['err'])).toContain('disk full');
    expect(typeof lines[0]!['time']).toBe('string');
    // A file was given and pretty was not asked for: the foreground stays quiet.
    expect(foreground.text()).toBe('');
  });

  it('prints human-readable lines on a TTY foreground when there is no file', async () => {
    const foreground = memoryStream(true);
    const log = createLogger({ role: 'gate', id: 1, level: 'debug', stream: foreground });
    log.debug({ client: 'C7' }, 'connected');
    await log.close();
    const text = foreground.text();
    expect(text).toContain('gate#1 connected');
    expect(text).toContain('client');
    expect(text).not.toMatch(/^\{/m);
  });

  it('writes JSON lines to a non-TTY foreground, and both outputs when asked for pretty with a file', async () => {
    const piped = memoryStream(false);
    const json = createLogger({ role: 'dispatcher', id: 1, level: 'info', stream: piped });
    json.info('routing');
    expect(JSON.parse(piped.text())).toMatchObject({ role: 'dispatcher', id: 1, msg: 'routing' });

    const file = join(dir, 'both.log');
    const foreground = memoryStream(false);
    const both = createLogger({ role: 'game', id: 9, level: 'info', file, pretty: true, stream: foreground });
    both.info('to both');
    await both.close();
    expect(foreground.text()).toContain('game#9 to both');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ id: 9, msg: 'to both' });
  });

  it('drops lines logged after close instead of throwing, and flush works before and after', async () => {
    const file = join(dir, 'late.log');
    const log = createLogger({ role: 'game', id: 1, level: 'info', file });
    await log.flush();
    log.info('before');
    await log.flush();
    expect(readFileSync(file, 'utf8')).toContain('"before"');
    await log.close();
    expect(() => log.info('after')).not.toThrow();
    await expect(log.flush()).resolves.toBeUndefined();
    expect(readFileSync(file, 'utf8')).not.toContain('"after"');
  });

  it('reports its level', () => {
    const log = createLogger({ role: 'game', id: 1, level: 'warn', stream: memoryStream() });
    expect(log.level).toBe('warn');
    expect(log.isLevelEnabled('error')).toBe(true);
    expect(log.isLevelEnabled('info')).toBe(false);
  });
});
