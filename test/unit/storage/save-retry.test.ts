import { describe, expect, it } from 'vitest';
import { TsworldError } from '../../../src/core/errors.ts';
import { createWriteRetry, type RetryEvents } from '../../../src/storage/save-retry.ts';
import { createFakeClock, createFakeScheduler } from '../../../src/testing/fake-clock.ts';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

function harness(initialDelayMs = 100, maxDelayMs = 1_000) {
  const clock = createFakeClock();
  const scheduler = createFakeScheduler(clock);
  const seen = { failed: [] as { label: string; attempt: number; delayMs: number }[], recovered: [] as { label: string; attempts: number }[], gaveUp: [] as string[], pending: [] as number[] };
  const events: RetryEvents = {
    failed: (label, _err, attempt, delayMs) => void seen.failed.push({ label, attempt, delayMs }),
    recovered: (label, attempts) => void seen.recovered.push({ label, attempts }),
    gaveUp: (label) => void seen.gaveUp.push(label),
    pendingChanged: (count) => void seen.pending.push(count),
  };
  const retry = createWriteRetry({ scheduler, now: () => clock.now(), events, initialDelayMs, maxDelayMs });
  const advance = async (ms: number): Promise<void> => {
    scheduler.advance(ms);
    await flush();
  };
  return { retry, seen, advance };
}

/** A backend that fails while `down` and records every write that landed. */
function flaky() {
  const landed: string[] = [];
  const state = { down: true, calls: 0 };
  const write = (value: string) => async (): Promise<void> => {
    state.calls++;
    if (state.down) throw new TsworldError('STORAGE_FAILURE', 'LMDB save failed: ENOSPC: No space left on device');
    landed.push(value);
  };
  return { landed, state, write };
}

describe('createWriteRetry', () => {
  it('retries a failing write with capped, growing delays until it lands, then reports the recovery', async () => {
    const { retry, seen, advance } = harness(100, 1_000);
    const backend = flaky();
    let outcome = 'pending';
    void retry.write('e1', 'E1', backend.write('v1')).then(() => (outcome = 'landed'), () => (outcome = 'failed'));
    await flush();
    for (let i = 0; i < 8; i++) await advance(1_200);
    expect(outcome).toBe('pending');
    expect(retry.pending).toBe(1);
    const delays = seen.failed.map((f) => f.delayMs);
    // 100, 200, 400, 800 (±20 %), then capped at 1000 (±20 %).
    expect(delays[0]).toBeGreaterThanOrEqual(80);
    expect(delays[0]).toBeLessThanOrEqual(120);
    expect(delays[1]).toBeGreaterThan(delays[0]!);
    for (const d of delays.slice(4)) expect(d).toBeLessThanOrEqual(1_200);
    backend.state.down = false;
    await advance(1_200);
    expect(outcome).toBe('landed');
    expect(backend.landed).toEqual(['v1']);
    expect(retry.pending).toBe(0);
    expect(seen.recovered).toEqual([{ label: 'E1', attempts: seen.failed.length + 1 }]);
    expect(seen.pending.at(-1)).toBe(0);
  });

  it('a newer write to the same key replaces the one waiting, and both callers hear when it lands', async () => {
    const { retry, advance } = harness();
    const backend = flaky();
    const outcomes: string[] = [];
    void retry.write('e1', 'E1', backend.write('old')).then(() => outcomes.push('old'));
    await flush();
    void retry.write('e1', 'E1', backend.write('new')).then(() => outcomes.push('new'));
    void retry.write('e2', 'E2', backend.write('other')).then(() => outcomes.push('other'));
    await flush();
    expect(retry.pending).toBe(2);
    expect(retry.pendingLabels().sort()).toEqual(['E1', 'E2']);
    backend.state.down = false;
    await advance(10_000);
    expect(backend.landed.sort()).toEqual(['new', 'other']);
    expect(outcomes.sort()).toEqual(['new', 'old', 'other']);
  });

  it('a write replaced while it runs is followed by the newer one, even when the running one lands', async () => {
    const { retry } = harness();
    const landed: string[] = [];
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const first = retry.write('k', 'K', async () => {
      await slow;
      landed.push('first');
    });
    const second = retry.write('k', 'K', async () => void landed.push('second'));
    release();
    await Promise.all([first, second]);
    expect(landed).toEqual(['first', 'second']);
  });

  it('does not retry what would fail the same way again, and says so', async () => {
    const { retry, seen } = harness();
    let calls = 0;
    const err = await retry
      .write('e1', 'E1', async () => {
        calls++;
        throw new TsworldError('STALE_GENERATION', 'newer owner');
      })
      .then(() => undefined, (e: unknown) => e as TsworldError);
    expect(err?.code).toBe('STALE_GENERATION');
    expect(calls).toBe(1);
    expect(seen.gaveUp).toEqual(['E1']);
    expect(seen.failed).toEqual([]);
  });

  it('abandon rejects what is still pending, names it, and refuses later writes', async () => {
    const { retry, seen } = harness();
    const backend = flaky();
    const pending = ['E1', 'E2', 'E3'].map((id) => retry.write(id, id, backend.write(id)).then(() => 'landed', (e: unknown) => (e as TsworldError).code));
    await flush();
    const idle = retry.whenIdle();
    expect(retry.abandon('stopping').sort()).toEqual(['E1', 'E2', 'E3']);
    expect(await Promise.all(pending)).toEqual(['INVALID_STATE', 'INVALID_STATE', 'INVALID_STATE']);
    await idle;
    expect(seen.gaveUp.sort()).toEqual(['E1', 'E2', 'E3']);
    const late = await retry.write('E4', 'E4', backend.write('E4')).then(() => 'landed', (e: unknown) => (e as TsworldError).code);
    expect(late).toBe('INVALID_STATE');
  });
});
