import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { TsworldError } from '../core/errors.ts';
import { answerHealth, STARTING, type ReadinessProbe } from './health.ts';

/**
 * Prometheus metrics for one process. Each Metrics owns its own Registry (never prom-client's global
 * one), so two clusters in one test process keep separate numbers and never collide on registration.
 * Every series carries the process's `role` and `id` as labels.
 *
 * Hot-path use: count messages per tick and add the batch once per tick (`messagesIn(route, n)`); the
 * per-route counters are resolved once and cached, so a call is a map lookup and an add.
 */
export interface Metrics {
  /** The process's registry, for role-specific metrics registered next to the standard ones. */
  readonly registry: Registry;
  /** Duration of one game tick, in seconds. */
  observeTick(seconds: number): void;
  setEntities(count: number): void;
  setClients(count: number): void;
  /** Messages received, by route class (e.g. 'internal', 'client', 'gate'; see the protocol ranges). */
  messagesIn(route: string, count?: number): void;
  messagesOut(route: string, count?: number): void;
  /**
   * Something refused at a limit, by the limit's name (e.g. 'connections-per-ip', 'arg-depth',
   * 'pending-total'). Every limit in the docs has its name here, so an operator sees which one bites.
   */
  refused(limit: string, count?: number): void;
  /**
   * Reports an internal link's backlog (bytes flushed or batched and not yet sent) and its degraded flag
   * as `tsworld_link_backlog_bytes{peer}` and `tsworld_link_degraded{peer}`, read at each scrape. The
   * returned function stops reporting it (the link closed).
   */
  trackLink(source: LinkGaugeSource): () => void;
  /** A link entered degraded mode, or left it after `seconds` (tsworld_link_degraded_total / _seconds_total). */
  linkDegraded(peer: string, entered: boolean, seconds?: number): void;
  /**
   * Per-tick stream records (positions) shed under overload: 'coalesced' when a newer state replaced one
   * that was never sent, 'dropped' when one was discarded with nothing newer to send.
   */
  streamRecords(outcome: 'coalesced' | 'dropped', count?: number): void;
  /** A gate wrote to a client socket ('written'), or let a client's view changes wait for a later write ('held'). */
  clientWrites(outcome: 'written' | 'held'): void;
  /**
   * Resumes of a client's binding (tsworld_client_resumes_total{outcome}): 'resumed' and 'refused' counted
   * by the gate that took the RESUME, 'expired' by the game when a client's resumeGraceMs ran out.
   */
  clientResumes(outcome: 'resumed' | 'refused' | 'expired', count?: number): void;
  /** Clients whose connection is gone and whose entity still waits for them to resume (tsworld_clients_in_grace). */
  setClientsInGrace(count: number): void;
  /** The exposition text, as `/metrics` serves it. */
  text(): Promise<string>;
  /** What `/ready` answers from now on (health.ts); until set, 503 'starting'. */
  setReadiness(probe: ReadinessProbe): void;
  /** Answers `GET path` with what `answer()` returns, as JSON (a dispatcher's `/cluster`). */
  serveJson(path: string, answer: () => unknown): void;
  /** Serves `/metrics`, `/health` and `/ready` over HTTP; host defaults to 127.0.0.1, port 0 picks a free port. */
  serve(options?: { host?: string; port?: number }): Promise<{ host: string; port: number }>;
  /** Stops the HTTP server if one is running. */
  close(): Promise<void>;
}

/** What a link's gauges are read from at scrape time. */
export interface LinkGaugeSource {
  /** The destination, e.g. 'dispatcher-1', 'game-2', 'gate-1'. */
  peer(): string;
  backlogBytes(): number;
  degraded(): boolean;
  /** Written and not yet acknowledged by the peer (LINK_ACK); absent: not tracked. */
  unackedBytes?(): number;
}

export interface MetricsOptions {
  readonly role: string;
  readonly id: number | string;
  /** Also collect Node's process metrics (CPU, memory, event-loop lag, GC). Default true. */
  readonly processMetrics?: boolean;
}

/** `GET /metrics` on the registry's exposition text; everything else is 404. */
function metricsServer(registry: Registry, readiness: () => ReadinessProbe, json: ReadonlyMap<string, () => unknown>): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.method === 'GET' && answerHealth(path, res, readiness())) return;
    const answer = req.method === 'GET' ? json.get(path) : undefined;
    if (answer) {
      let body: string;
      try {
        body = JSON.stringify(answer());
      } catch (err) {
        res.writeHead(500).end(`${path} failed: ${String(err)}\n`);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500).end(`metrics collection failed: ${String(err)}\n`),
    );
  });
}

/**
 * A counter's child for one label value, resolved once and cached: on hot paths a count is then a map
 * lookup and an add, not prom-client's label hashing.
 */
function boundByLabel<L extends string>(counter: Counter<L>, label: L): (value: string) => ReturnType<Counter<L>['labels']> {
  const cache = new Map<string, ReturnType<Counter<L>['labels']>>();
  return (value) => {
    let bound = cache.get(value);
    if (!bound) {
      bound = counter.labels({ [label]: value } as Partial<Record<L, string>>);
      cache.set(value, bound);
    }
    return bound;
  };
}

/**
 * Adds the counts kept since the last scrape to `counter`, once per label value, and zeroes them. The
 * message counters are counted per message on the gate's and dispatcher's hot paths, and prom-client
 * hashes the labels on every inc even through a bound child (over 1% of a gate's samples at 1000 clients):
 * there a count is one map update, and prom-client sees it when it collects.
 */
function addPending<L extends string>(counter: Counter<L>, label: L, pending: Map<string, number>): void {
  for (const [value, count] of pending) {
    if (count > 0) counter.labels({ [label]: value } as Partial<Record<L, string>>).inc(count);
    pending.set(value, 0);
  }
}

/** A counter by one label whose counts are kept in the returned map until prom-client collects (addPending). */
function countedByLabel(registry: Registry, name: string, help: string, label: string): Map<string, number> {
  const counts = new Map<string, number>();
  const counter: Counter<string> = new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect: () => addPending(counter, label, counts),
  });
  return counts;
}

/**
 * Tick budgets are 1000/tickHz ms (50 ms at 20 Hz): resolve well below and a few overruns above. Steps
 * of 5 ms or less up to the budget, so a p99 read from them (the peers bench) is within a few ms.
 */
const TICK_BUCKETS = [0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05, 0.06, 0.075, 0.1, 0.15, 0.25, 0.5, 1];

/** Link backlog and degraded gauges (read from the tracked links at scrape), and the shedding counters. */
function createLinkCounters(registry: Registry, links: ReadonlySet<LinkGaugeSource>): Pick<Metrics, 'streamRecords'> & {
  degraded: Metrics['linkDegraded'];
} {
  const backlog = new Gauge({
    name: 'tsworld_link_backlog_bytes',
    help: 'Bytes queued on an internal link and not yet taken by the kernel, by destination.',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      backlog.reset();
      for (const link of links) backlog.labels({ peer: link.peer() }).set(link.backlogBytes());
    },
  });
  const unacked = new Gauge({
    name: 'tsworld_link_unacked_bytes',
    help: 'Bytes written on an internal link and not yet acknowledged by its peer (LINK_ACK), kept for a replay, by destination.',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      unacked.reset();
      for (const link of links) {
        const bytes = link.unackedBytes?.();
        if (bytes !== undefined) unacked.labels({ peer: link.peer() }).set(bytes);
      }
    },
  });
  const degradedNow = new Gauge({
    name: 'tsworld_link_degraded',
    help: '1 while an internal link is above its high watermark (until it drains to the low one), by destination.',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      degradedNow.reset();
      for (const link of links) degradedNow.labels({ peer: link.peer() }).set(link.degraded() ? 1 : 0);
    },
  });
  const entries = new Counter({
    name: 'tsworld_link_degraded_total',
    help: 'Times an internal link entered degraded mode, by destination.',
    labelNames: ['peer'],
    registers: [registry],
  });
  const durations = new Counter({
    name: 'tsworld_link_degraded_seconds_total',
    help: 'Time internal links spent in degraded mode (added when a period ends), by destination.',
    labelNames: ['peer'],
    registers: [registry],
  });
  const records = new Counter({
    name: 'tsworld_stream_records_total',
    help: 'Position stream records shed under overload: coalesced (superseded before sending) or dropped.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const byOutcome = boundByLabel(records, 'outcome');
  return {
    degraded(peer, entered, seconds) {
      if (entered) entries.labels({ peer }).inc();
      else if (seconds !== undefined) durations.labels({ peer }).inc(seconds);
    },
    streamRecords: (outcome, count = 1) => byOutcome(outcome).inc(count),
  };
}

/** The standard series of every process, resolved once: a count on a hot path is a map lookup and an add. */
function coreSeries(registry: Registry): Pick<Metrics, 'observeTick' | 'setEntities' | 'setClients' | 'messagesIn' | 'messagesOut' | 'clientWrites' | 'refused'> {
  const registers = [registry];
  const tick = new Histogram({
    name: 'tsworld_tick_duration_seconds',
    help: 'Time spent in one game tick (drain, systems, AOI, flush).',
    buckets: TICK_BUCKETS,
    registers,
  });
  const entities = new Gauge({ name: 'tsworld_entities', help: 'Entities in this process.', registers });
  const clients = new Gauge({ name: 'tsworld_clients', help: 'Clients bound to this process.', registers });
  const inCounts = countedByLabel(registry, 'tsworld_messages_in_total', 'Messages received, by route class.', 'route');
  const outCounts = countedByLabel(registry, 'tsworld_messages_out_total', 'Messages sent, by route class.', 'route');
  const writes = countedByLabel(registry, 'tsworld_gate_client_writes_total', "A gate's writes to client sockets (one per client per turn with output: 'written'), and view changes that waited for a later one ('held', viewChangeHoldMs).", 'outcome');
  const refusals = new Counter({
    name: 'tsworld_refused_total',
    help: 'Inputs refused at a limit (connections, messages, arguments, held frames), by limit name.',
    labelNames: ['limit'],
    registers,
  });
  const refusedByLimit = boundByLabel(refusals, 'limit');
  return {
    observeTick: (seconds) => tick.observe(seconds),
    setEntities: (count) => entities.set(count),
    setClients: (count) => clients.set(count),
    messagesIn: (route, count = 1) => void inCounts.set(route, (inCounts.get(route) ?? 0) + count),
    messagesOut: (route, count = 1) => void outCounts.set(route, (outCounts.get(route) ?? 0) + count),
    clientWrites: (outcome) => void writes.set(outcome, (writes.get(outcome) ?? 0) + 1),
    refused: (limit, count = 1) => refusedByLimit(limit).inc(count),
  };
}

/** Resume outcomes and the clients waiting in their grace period (gate-clients.ts, client-grace.ts). */
function resumeSeries(registry: Registry): Pick<Metrics, 'clientResumes' | 'setClientsInGrace'> {
  const resumes = new Counter({
    name: 'tsworld_client_resumes_total',
    help: 'Client resumes: resumed (same entity), refused (bad token or binding gone), expired (resumeGraceMs ran out).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const inGrace = new Gauge({ name: 'tsworld_clients_in_grace', help: 'Clients gone whose entity keeps their binding for resumeGraceMs.', registers: [registry] });
  const byOutcome = boundByLabel(resumes, 'outcome');
  return {
    clientResumes: (outcome, count = 1) => byOutcome(outcome).inc(count),
    setClientsInGrace: (count) => inGrace.set(count),
  };
}

/** The HTTP side: `/metrics`, `/health`, `/ready` and the JSON routes, started and stopped on demand. */
function metricsHttp(registry: Registry, readiness: () => ReadinessProbe, json: Map<string, () => unknown>): Pick<Metrics, 'serve' | 'close'> {
  let server: Server | undefined;
  return {
    async serve({ host = '127.0.0.1', port = 0 } = {}) {
      if (server) throw new TsworldError('INVALID_STATE', 'metrics server already running');
      const created = metricsServer(registry, readiness, json);
      server = created;
      try {
        await new Promise<void>((resolve, reject) => {
          created.once('error', reject);
          created.listen(port, host, () => resolve());
        });
      } catch (err) {
        server = undefined;
        throw new TsworldError('TRANSPORT_FAILURE', `cannot serve metrics on ${host}:${port}`, { cause: err });
      }
      return { host, port: (created.address() as AddressInfo).port };
    },
    async close() {
      const running = server;
      server = undefined;
      if (!running) return;
      await new Promise<void>((resolve) => {
        running.close(() => resolve());
        // Scrapers keep connections alive; don't let an idle one hold shutdown open.
        running.closeAllConnections();
      });
    },
  };
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role: options.role, id: String(options.id) });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'tsworld_' });
  const links = new Set<LinkGaugeSource>();
  const linkCounters = createLinkCounters(registry, links);
  let readiness: ReadinessProbe = STARTING;
  const json = new Map<string, () => unknown>();
  return {
    registry,
    ...coreSeries(registry),
    ...resumeSeries(registry),
    trackLink(source) {
      links.add(source);
      return () => void links.delete(source);
    },
    linkDegraded: linkCounters.degraded,
    streamRecords: linkCounters.streamRecords,
    text: () => registry.metrics(),
    setReadiness(probe) {
      readiness = probe;
    },
    serveJson(path, answer) {
      json.set(path, answer);
    },
    ...metricsHttp(registry, () => readiness, json),
  };
}
