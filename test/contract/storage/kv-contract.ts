import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import { TsworldError } from '../../../src/core/errors.ts';
import type { KvStore } from '../../../src/storage/index.ts';
import { openFilesUnder, type Backend, type TempDirs } from './backends.ts';

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TsworldError);
  expect((err as TsworldError).code).toBe(code);
}

/** Exactly one caller stored its value (undefined) and every other caller got that same value back. */
function expectOneWinner(results: readonly (string | null | undefined)[], candidates: readonly string[]): string {
  const stored = results.filter((r) => r === undefined || r === null);
  expect(stored).toHaveLength(1);
  const seen = new Set(results.filter((r): r is string => typeof r === 'string'));
  expect(seen.size).toBe(1);
  const winner = [...seen][0]!;
  expect(candidates).toContain(winner);
  return winner;
}

/** The KvStore contract every backend meets; call it inside a describe per backend. */
export function kvStoreContract(backend: Backend<KvStore>, temp: TempDirs): void {
  const withStore = async (fn: (store: KvStore, location: string) => Promise<void>): Promise<void> => {
    const location = temp.make();
    const store = backend.open(location);
    try {
      await fn(store, location);
    } finally {
      await store.close();
    }
  };

  it('puts and gets, overwrites, and reports missing keys as undefined', () =>
    withStore(async (store) => {
      expect(await store.get('missing')).toBeUndefined();
      await store.put('account:alice', 'pw1');
      expect(await store.get('account:alice')).toBe('pw1');
      await store.put('account:alice', 'pw2');
      expect(await store.get('account:alice')).toBe('pw2');
      await store.put('empty', '');
      expect(await store.get('empty')).toBe('');
    }));

  it('getOrPut stores a new value and returns undefined, then returns the existing value untouched', () =>
    withStore(async (store) => {
      expect(await store.getOrPut('name:bob', 'E1')).toBeUndefined();
      expect(await store.get('name:bob')).toBe('E1');
      expect(await store.getOrPut('name:bob', 'E2')).toBe('E1');
      expect(await store.get('name:bob')).toBe('E1');
      await store.put('name:carol', 'C1');
      expect(await store.getOrPut('name:carol', 'C2')).toBe('C1');
    }));

  it('concurrent getOrPut on one key from many callers yields exactly one winner', () =>
    withStore(async (store) => {
      const candidates = Array.from({ length: 200 }, (_, i) => `v${i}`);
      const results = await Promise.all(candidates.map((v) => store.getOrPut('race', v)));
      const winner = expectOneWinner(results, candidates);
      expect(await store.get('race')).toBe(winner);
      expect(results[results.indexOf(undefined)]).toBeUndefined();
      expect(candidates[results.indexOf(undefined)]).toBe(winner);
    }));

  it('handles unicode keys and values', () =>
    withStore(async (store) => {
      const pairs: [string, string][] = [
        ['玩家:张伟', '北京'],
        ['emoji:🐉🔥', '🗡️'],
        ['combining:e\u0301', 'é'],
        ['e\u00e9', 'precomposed'],
      ];
      for (const [k, v] of pairs) await store.put(k, v);
      for (const [k, v] of pairs) expect(await store.get(k)).toBe(v);
    }));

  it('rejects bad keys and values with INVALID_ARGUMENT', () =>
    withStore(async (store) => {
      await expectCode(store.get(''), 'INVALID_ARGUMENT');
      await expectCode(store.put('x'.repeat(2000), 'v'), 'INVALID_ARGUMENT');
      await expectCode(store.put('k', 42 as unknown as string), 'INVALID_ARGUMENT');
      await expectCode(store.getOrPut(7 as unknown as string, 'v'), 'INVALID_ARGUMENT');
      expect(await store.get('k')).toBeUndefined();
    }));

  it('rejects calls after close with INVALID_STATE, and close is idempotent', async () => {
    const store = backend.open(temp.make());
    await store.put('k', 'v');
    await store.close();
    await store.close();
    await expectCode(store.get('k'), 'INVALID_STATE');
    await expectCode(store.put('k', 'w'), 'INVALID_STATE');
    await expectCode(store.getOrPut('k', 'w'), 'INVALID_STATE');
  });

  it('close waits for writes already started', async () => {
    const location = temp.make();
    const store = backend.open(location);
    const writes = Array.from({ length: 50 }, (_, i) => store.put(`k${i}`, `v${i}`));
    await store.close();
    await expect(Promise.all(writes)).resolves.toHaveLength(50);
    if (!backend.capabilities.durable) return;
    const reopened = backend.open(location);
    for (let i = 0; i < 50; i++) expect(await reopened.get(`k${i}`)).toBe(`v${i}`);
    await reopened.close();
  });

  it('declares the capabilities the contract runs under', () =>
    withStore(async (store) => {
      expect(store.capabilities).toEqual(backend.capabilities);
    }));

  it.runIf(backend.capabilities.durable)('durable: data survives close and reopen', async () => {
    const location = temp.make();
    const first = backend.open(location);
    await first.put('k', 'v');
    expect(await first.getOrPut('g', 'first')).toBeUndefined();
    await first.close();
    const second = backend.open(location);
    expect(await second.get('k')).toBe('v');
    expect(await second.getOrPut('g', 'second')).toBe('first');
    await second.close();
  });

  it.runIf(backend.files)('files: close releases the files', async () => {
    const location = temp.make();
    const store = backend.open(location);
    await store.put('k', 'v');
    expect(openFilesUnder(location)?.length ?? 1).toBeGreaterThan(0);
    await store.close();
    const held = openFilesUnder(location);
    if (held !== undefined) expect(held).toEqual([]);
    rmSync(location, { recursive: true });
    const fresh = backend.open(location);
    expect(await fresh.get('k')).toBeUndefined();
    await fresh.close();
  });

  it.runIf(backend.capabilities.sharedLocation)(
    'shared: two instances on one location see each other and race getOrPut to one winner',
    async () => {
      const location = temp.make();
      const a = backend.open(location);
      const b = backend.open(location);
      await a.put('from-a', '1');
      expect(await b.get('from-a')).toBe('1');
      const candidates = Array.from({ length: 100 }, (_, i) => `v${i}`);
      const results = await Promise.all(candidates.map((v, i) => (i % 2 ? a : b).getOrPut('race', v)));
      const winner = expectOneWinner(results, candidates);
      await a.close();
      // Closing one instance must not disturb the other's handle on the shared environment.
      expect(await b.get('race')).toBe(winner);
      await b.put('after', 'x');
      expect(await b.get('after')).toBe('x');
      await b.close();
    },
  );

  it.runIf(backend.racerSpec !== undefined)(
    'shared: getOrPut from two processes on one location yields exactly one winner',
    async () => {
      const location = temp.make();
      const spec = JSON.stringify(backend.racerSpec!(location));
      const racers = ['p1', 'p2'].map((tag) => startRacer(spec, tag, 100));
      await Promise.all(racers.map((r) => r.ready));
      for (const r of racers) r.go();
      const [first, second] = await Promise.all(racers.map((r) => r.results));
      const candidates = ['p1', 'p2'].flatMap((tag) => Array.from({ length: 100 }, (_, i) => `${tag}-${i}`));
      const winner = expectOneWinner([...first!, ...second!], candidates);
      const store = backend.open(location);
      expect(await store.get('race')).toBe(winner);
      await store.close();
    },
  );
}

interface Racer {
  ready: Promise<void>;
  go(): void;
  results: Promise<(string | null)[]>;
}

const RACER = new URL('./kv-racer.ts', import.meta.url).pathname;

function startRacer(spec: string, tag: string, count: number): Racer {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const child = spawn(process.execPath, ['--import', tsx, RACER, spec, 'race', String(count), tag], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const results = new Promise<(string | null)[]>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.startsWith('ready\n')) markReady();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`racer ${tag} exited with ${code}`));
      resolve(JSON.parse(out.slice('ready\n'.length)) as (string | null)[]);
    });
  });
  return { ready, go: () => child.stdin.end('go\n'), results };
}
