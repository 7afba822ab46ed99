import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/index.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsworld-logfile-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function memoryStream(isTTY: boolean): Writable & { isTTY: boolean; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return Object.assign(stream, { isTTY, text: () => chunks.join('') });
}

const jsonLines = (file: string) =>
  readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { msg: string; n?: number });

describe('log file rotation', () => {
  it('rotates at maxBytes, keeps maxFiles rotated files, every file JSON lines, nothing lost but the oldest', async () => {
    const file = join(dir, 'game1.log');
    let rotations = 0;
    const log = createLogger({
      role: 'game', id: 1, level: 'info', file, pretty: false,
      rotation: { maxBytes: 8192, maxFiles: 3, onRotate: () => rotations++ },
    });
    for (let n = 1; n <= 2000; n++) {
      log.info({ n, filler: 'x'.repeat(60) }, 'line');
    }
    await log.close();
    expect(readdirSync(dir).sort()).toEqual(['game1.log', 'game1.log.1', 'game1.log.2', 'game1.log.3']);
    expect(rotations).toBeGreaterThan(3);
    const files = ['game1.log.3', 'game1.log.2', 'game1.log.1', 'game1.log'].map((f) => join(dir, f));
    const ns = files.flatMap((f) => jsonLines(f).map((l) => l.n!));
    // Oldest first across the kept files, consecutive, ending with the last line written.
    expect(ns[ns.length - 1]).toBe(2000);
    expect(ns).toEqual(Array.from({ length: ns.length }, (_, i) => ns[0]! + i));
    for (const f of files.slice(0, -1)) expect(readFileSync(f).length).toBeGreaterThanOrEqual(8192);
    // Rotated exactly at the line that reached maxBytes.
    for (const f of files) expect(readFileSync(f).length).toBeLessThan(8192 + 200);
  });

  it('a new run appends to the current file and counts its size, so files stay bounded across runs', async () => {
    const file = join(dir, 'gate1.log');
    for (let run = 0; run < 3; run++) {
      const log = createLogger({ role: 'gate', id: 1, level: 'info', file, pretty: false, rotation: { maxBytes: 4096, maxFiles: 1 } });
      for (let n = 0; n < 30; n++) log.info({ run, n, filler: 'y'.repeat(40) }, 'line');
      await log.close();
    }
    expect(readdirSync(dir).sort()).toEqual(['gate1.log', 'gate1.log.1']);
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f)).length).toBeLessThan(4096 + 200);
  });
});

describe('foreground lines', () => {
  it('are coloured when asked (a TTY, or the CLI says its terminal is one) and plain otherwise, the file JSON either way', async () => {
    const file = join(dir, 'dispatcher1.log');
    const tty = memoryStream(true);
    const coloured = createLogger({ role: 'dispatcher', id: 1, level: 'info', file, pretty: true, stream: tty });
    coloured.warn('on a terminal');
    await coloured.close();
    expect(tty.text()).toMatch(/\x1b\[\d+m/);
    expect(tty.text()).toContain('dispatcher#1 on a terminal');

    const pipe = memoryStream(false);
    const plain = createLogger({ role: 'dispatcher', id: 1, level: 'info', file, pretty: true, stream: pipe });
    plain.warn('into a pipe');
    await plain.close();
    expect(pipe.text()).not.toMatch(/\x1b\[/);

    const told = memoryStream(false);
    const forced = createLogger({ role: 'dispatcher', id: 1, level: 'info', file, pretty: true, color: true, stream: told });
    forced.warn('a pipe to a CLI on a terminal');
    await forced.close();
    expect(told.text()).toMatch(/\x1b\[\d+m/);

    expect(jsonLines(file).map((l) => l.msg)).toEqual(['on a terminal', 'into a pipe', 'a pipe to a CLI on a terminal']);
  });
});
