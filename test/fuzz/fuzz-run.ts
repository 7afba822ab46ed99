import { CLIENT_ERROR_CODES } from '../../src/protocol/index.ts';
import { callMessage, helloMessage, openRawClient, type RawClient } from '../support/raw-client.ts';
import { hex, type FuzzCase } from './client-cases.ts';

/**
 * The bookkeeping of a fuzz run: what every case got back, and anything the gate must never do. A case
 * is one or more messages followed, on a connection that completed HELLO, by a barrier (a call of an
 * unknown method on the connection's own entity, always answered UNKNOWN_METHOD by its game), so each
 * case waits until everything it sent was handled or the gate closed the connection.
 */

/**
 * Close codes the gate may answer client input with (SPEC.md §10). Not 1001: the gate stopping in the
 * middle of a fuzz run is a failure too; nor 1011, a gate handler that threw.
 */
export const DOCUMENTED_CLOSES: ReadonlySet<number> = new Set([1009, 4000, 4001, 4002, 4003, 4004, 4005, 4006, 4007, 4008, 4009]);
/** uWS cuts a message over twice maxPayload at the frame level: the client sees 1006, and only then. */
export const CUT_CLOSE = 1006;
const ERROR_CODES: ReadonlySet<number> = new Set(Object.values(CLIENT_ERROR_CODES));

export interface Finding {
  readonly worker: string;
  readonly index: number;
  readonly kind: string;
  readonly how: string;
  readonly problem: string;
  readonly messages: readonly string[];
}

export interface FuzzStats {
  cases: number;
  connections: number;
  readonly kinds: Map<string, number>;
  readonly closes: Map<number, number>;
  readonly errors: Map<number, number>;
  /** A few distinct ERROR texts per code, with the case that drew them, for the summary. */
  readonly errorSamples: Map<number, string[]>;
  readonly findings: Finding[];
  /** Player ids seen on any connection: call targets that live on either game. */
  readonly knownIds: string[];
  /** The last cases started (any worker), newest last: the suspects when a process dies. */
  readonly recent: string[];
  stop: boolean;
}

export function createStats(): FuzzStats {
  return { cases: 0, connections: 0, kinds: new Map(), closes: new Map(), errors: new Map(), errorSamples: new Map(), findings: [], knownIds: [], recent: [], stop: false };
}

const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

const RECENT = 40;

function started(stats: FuzzStats, worker: string, index: number, c: FuzzCase, kind = c.kind): void {
  stats.cases++;
  bump(stats.kinds, kind);
  if (stats.recent.length >= RECENT) stats.recent.shift();
  stats.recent.push(`[${worker} #${index}] ${kind} (${c.how})\n    ${c.messages.map((m) => hex(m, 96)).join('\n    ')}`);
}

export function report(stats: FuzzStats, worker: string, index: number, c: FuzzCase, problem: string): void {
  stats.findings.push({ worker, index, kind: c.kind, how: c.how, problem, messages: c.messages.map((m) => hex(m)) });
}

/** Checks a close the gate sent: a documented code, or 1006 right after an over-2×-maxPayload message. */
function checkClose(stats: FuzzStats, worker: string, index: number, c: FuzzCase, client: RawClient, limits: RunLimits): void {
  const closed = client.closed!;
  bump(stats.closes, closed.code);
  const cut = c.messages.some((m) => m.length > 2 * limits.maxPayload);
  const ok = DOCUMENTED_CLOSES.has(closed.code) || (closed.code === CUT_CLOSE && cut);
  if (!ok) report(stats, worker, index, c, `closed with ${closed.code} "${closed.reason}"`);
  else if (closed.code !== CUT_CLOSE && closed.reason.length === 0) report(stats, worker, index, c, `close ${closed.code} without a reason`);
}

function checkAnswers(stats: FuzzStats, worker: string, index: number, c: FuzzCase, client: RawClient, errorsFrom: number): void {
  for (const e of client.errors.slice(errorsFrom)) {
    bump(stats.errors, e.code);
    const samples = stats.errorSamples.get(e.code) ?? [];
    if (samples.length < 3 && !samples.some((x) => x.startsWith(e.message))) samples.push(`${e.message} <- ${c.kind} ${c.how}`);
    stats.errorSamples.set(e.code, samples);
    if (!ERROR_CODES.has(e.code)) report(stats, worker, index, c, `ERROR with undocumented code ${e.code}: ${e.message}`);
    if (e.code === CLIENT_ERROR_CODES.INTERNAL) report(stats, worker, index, c, `ERROR INTERNAL: ${e.message}`);
    // ERROR texts are public (SPEC.md §9): never a stack trace.
    if (/\n\s+at |\.ts:\d+/.test(e.message)) report(stats, worker, index, c, `ERROR text shows internals: ${e.message}`);
  }
  for (const u of client.undecodable.splice(0)) report(stats, worker, index, c, `undecodable server message: ${u}`);
}

export interface RunLimits {
  /** How long a case may go unanswered (no close, no barrier reply) before it counts as lost. */
  readonly stallMs: number;
  /** The gate's maxPayload: a message over twice it may be cut (1006). */
  readonly maxPayload: number;
}

/**
 * Runs one case on a connection that completed HELLO and knows its player. Returns false when the
 * connection is gone (closed by the gate, or abandoned after a stall) and must be replaced.
 */
export async function runReadyCase(stats: FuzzStats, worker: string, index: number, client: RawClient, c: FuzzCase, limits: RunLimits): Promise<boolean> {
  started(stats, worker, index, c);
  const errorsFrom = client.errors.length;
  for (const m of c.messages) client.send(m);
  const barrier = `fuzzBarrier${index}`;
  client.send(callMessage(client.player!.id, barrier, []));
  const answered = await client
    .waitFor(() => client.closed ?? client.errors.slice(errorsFrom).find((e) => e.message.includes(barrier)), `barrier ${barrier}`, limits.stallMs)
    .catch(() => null);
  if (client.closed) {
    checkAnswers(stats, worker, index, c, client, errorsFrom);
    checkClose(stats, worker, index, c, client, limits);
    return false;
  }
  if (answered === null) {
    report(stats, worker, index, c, `no close and no barrier reply within ${limits.stallMs} ms`);
    client.ws.terminate();
    return false;
  }
  const barrierAt = client.errors.indexOf(answered as (typeof client.errors)[number]);
  // The barrier's own UNKNOWN_METHOD is not the case's answer.
  client.errors.splice(barrierAt, 1);
  checkAnswers(stats, worker, index, c, client, errorsFrom);
  return true;
}

/**
 * Runs one case on a fresh connection before HELLO, then sends a valid HELLO: whatever the case was,
 * the connection must end closed (a valid HELLO in the case makes the second one a handshake fault).
 */
export async function runPreHelloCase(stats: FuzzStats, worker: string, index: number, url: string, c: FuzzCase, limits: RunLimits): Promise<void> {
  started(stats, worker, index, c, `pre-hello ${c.kind}`);
  stats.connections++;
  const client = await openRawClient(url, { hello: false }).catch((err: Error) => err);
  if (client instanceof Error) return report(stats, worker, index, c, `connect failed: ${client.message}`);
  for (const m of c.messages) client.send(m);
  client.send(helloMessage());
  const closed = await client.waitClosed(limits.stallMs);
  if (closed === null) {
    report(stats, worker, index, c, `still open ${limits.stallMs} ms after a case and a second HELLO`);
    client.ws.terminate();
    return;
  }
  checkAnswers(stats, worker, index, c, client, 0);
  checkClose(stats, worker, index, c, client, limits);
}

/** A connection that completed HELLO and knows its player entity, remembered as a call target. */
export async function connectReady(stats: FuzzStats, url: string): Promise<RawClient> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const client = await openRawClient(url, { player: true, timeoutMs: 30_000 });
      stats.connections++;
      const id = client.player!.id;
      if (stats.knownIds.length < 64) stats.knownIds.push(id);
      else stats.knownIds[stats.connections % 64] = id;
      return client;
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`cannot connect to the gate: ${(lastError as Error).message}`);
}

export function summary(stats: FuzzStats): string {
  const fmt = <K>(m: Map<K, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${String(k)}: ${v}`).join(', ');
  return [
    `${stats.cases} cases on ${stats.connections} connections`,
    `  closes: ${fmt(stats.closes)}`,
    `  errors: ${fmt(stats.errors)}`,
    `  kinds:  ${fmt(stats.kinds)}`,
    ...[...stats.errorSamples].map(([code, texts]) => `  ERROR ${code} e.g.: ${texts.join(' | ')}`),
  ].join('\n');
}

export function describeFindings(findings: readonly Finding[], max = 10): string {
  return findings
    .slice(0, max)
    .map((f) => `[${f.worker} #${f.index}] ${f.kind} (${f.how}): ${f.problem}\n    ${f.messages.join('\n    ')}`)
    .join('\n');
}
