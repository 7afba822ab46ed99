import { connect } from 'node:net';
import type { DispatcherConfig } from '../config/index.ts';
import { isLoopback } from '../config/load-config.ts';
import { TsworldError } from '../core/errors.ts';

/** How one dispatcher on another host is watched: its /ready when its metrics are reachable, else its port. */
interface Probe {
  readonly name: string;
  readonly where: string;
  check(): Promise<string | null>;
}

const PROBE_TIMEOUT_MS = 2_000;

/** Connects and closes at once: the port accepts, so the dispatcher listens (it drops a peer that never authenticates). */
function tcpOpen(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (why: string | null): void => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(`no answer within ${PROBE_TIMEOUT_MS} ms`));
    socket.once('connect', () => done(null));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

async function httpReady(url: string): Promise<string | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    const body = (await res.text()).trim();
    return res.status === 200 ? null : `${res.status} ${body}`;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return cause?.code ?? (err as Error).message;
  }
}

/**
 * A metrics server bound to loopback cannot be reached from another host, unless that host is on
 * loopback too (one machine); one on a wildcard is reached at the host's address.
 */
function probeOf(d: DispatcherConfig): Probe {
  const name = `dispatcher${d.id}${d.hostName === undefined ? '' : ` on host ${d.hostName}`}`;
  if (d.metricsPort !== undefined && d.metricsPort !== 0 && (!isLoopback(d.metricsHost) || isLoopback(d.host))) {
    const host = d.metricsHost === '0.0.0.0' || d.metricsHost === '::' ? d.host : d.metricsHost;
    const url = `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${d.metricsPort}/ready`;
    return { name, where: url, check: () => httpReady(url) };
  }
  return { name, where: `tcp ${d.host}:${d.port}`, check: () => tcpOpen(d.host, d.port) };
}

/**
 * `tsworld start --host NAME`: the games and gates of this host connect to every dispatcher, wherever it
 * runs, so they are started only once each one answers. Polls every `pollMs`, says what it waits for and
 * how it is going every few seconds, and gives up after `timeoutMs` naming what never came.
 */
export async function waitForDispatchers(
  dispatchers: readonly DispatcherConfig[],
  options: { timeoutMs: number; say: (line: string) => void; pollMs?: number },
): Promise<void> {
  const pending = new Map(dispatchers.map((d) => [d.id, probeOf(d)]));
  if (pending.size === 0) return;
  const t0 = Date.now();
  const last = new Map<number, string>();
  for (const p of pending.values()) options.say(`  waiting for ${p.name} (${p.where})`);
  let reported = t0;
  for (;;) {
    await Promise.all(
      [...pending].map(async ([id, probe]) => {
        const why = await probe.check();
        if (why === null) {
          pending.delete(id);
          options.say(`  ${probe.name} is up (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
        } else last.set(id, why);
      }),
    );
    if (pending.size === 0) return;
    const waited = Date.now() - t0;
    if (waited >= options.timeoutMs) {
      const names = [...pending].map(([id, p]) => `${p.name} (${p.where}: ${last.get(id)})`).join(', ');
      throw new TsworldError('TRANSPORT_FAILURE', `gave up after ${Math.round(waited / 1000)} s waiting for ${names}`);
    }
    if (Date.now() - reported >= 5_000) {
      reported = Date.now();
      const names = [...pending].map(([id, p]) => `${p.name}: ${last.get(id)}`).join(', ');
      options.say(`  still waiting after ${Math.round(waited / 1000)} s of ${Math.round(options.timeoutMs / 1000)}: ${names}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}
