import type { UpgradeRefusal, UpgradeRequest } from '../../transport/index.ts';

/**
 * Who may open a WebSocket on a gate, decided at the HTTP upgrade before any per-connection state or
 * game entity exists. A refusal is a plain 403/429/503 response.
 */
export interface AdmissionLimits {
  /** Open connections on this gate. */
  readonly maxConnections: number;
  /**
   * The cap derived from the descriptor limit (fd-limit.ts), when it is below `maxConnections`: refused
   * the same way, but counted as `connections-fd-cap` so an operator knows to raise the limit.
   */
  readonly fdCap?: number;
  /** Open connections from one address (IPv4 address, or IPv6 /64). */
  readonly maxConnectionsPerIp: number;
  /** Sustained new connections per second from one address... */
  readonly connectsPerIpPerSec: number;
  /** ...with bursts up to this many. */
  readonly connectBurstPerIp: number;
  /** Allowed Origin header values; empty means any. A request without Origin (not a browser) passes. */
  readonly allowedOrigins: readonly string[];
  /** Addresses tracked at once; beyond it, new addresses are refused until idle ones are forgotten. */
  readonly maxTrackedIps: number;
}

/** The limit a refusal came from, as counted in tsworld_refused_total{limit}. */
export type AdmissionLimit = 'connections' | 'connections-fd-cap' | 'connections-per-ip' | 'connect-rate' | 'origin' | 'tracked-ips';

export interface Admission {
  /** The upgrade check; `onRefused` is told which limit refused it. */
  admit(request: UpgradeRequest, now: number): (UpgradeRefusal & { limit: AdmissionLimit }) | null;
  /** A connection opened (after admit): counts it against its address. */
  opened(remoteAddress: string): void;
  closed(remoteAddress: string): void;
  /** Forgets addresses with no open connection and a full bucket, so the table tracks only active ones. */
  sweep(now: number): void;
  readonly openCount: number;
  readonly trackedIps: number;
}

interface PerIp {
  open: number;
  tokens: number;
  at: number;
}

/**
 * An IPv4 address as is (IPv4-mapped IPv6 unwrapped); an IPv6 address by its /64, since one host
 * usually holds a whole /64 and could otherwise pick a fresh address per connection.
 */
export function addressKey(address: string): string {
  const lower = address.toLowerCase();
  // ::ffff:a.b.c.d and 0:0:0:0:0:ffff:a.b.c.d are IPv4 clients of a dual-stack socket.
  const mapped = /^[0:]*:ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return mapped[1];
  if (!lower.includes(':')) return lower;
  const [head, tail = ''] = lower.split('::', 2);
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = lower.includes('::')
    ? [...left, ...new Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

function normalizeOrigin(origin: string): string {
  return origin.trim().toLowerCase().replace(/\/+$/, '');
}

export function createAdmission(limits: AdmissionLimits): Admission {
  const perIp = new Map<string, PerIp>();
  const origins = new Set(limits.allowedOrigins.map(normalizeOrigin));
  let openCount = 0;
  let lastSweep = -Infinity;

  function refill(entry: PerIp, now: number): void {
    const seconds = Math.max(0, now - entry.at) / 1000;
    entry.tokens = Math.min(limits.connectBurstPerIp, entry.tokens + seconds * limits.connectsPerIpPerSec);
    entry.at = now;
  }

  function entryFor(key: string, now: number): PerIp | null {
    let entry = perIp.get(key);
    if (entry === undefined) {
      // At most one sweep a second from here: a flood of fresh addresses against a full table must not
      // make every upgrade walk the whole table (the gate sweeps every second anyway).
      if (perIp.size >= limits.maxTrackedIps && now - lastSweep >= 1000) sweep(now);
      if (perIp.size >= limits.maxTrackedIps) return null;
      entry = { open: 0, tokens: limits.connectBurstPerIp, at: now };
      perIp.set(key, entry);
    }
    return entry;
  }

  function sweep(now: number): void {
    lastSweep = now;
    for (const [key, entry] of perIp) {
      if (entry.open > 0) continue;
      refill(entry, now);
      if (entry.tokens >= limits.connectBurstPerIp) perIp.delete(key);
    }
  }

  return {
    admit(request, now) {
      if (origins.size > 0 && request.origin !== undefined && !origins.has(normalizeOrigin(request.origin))) {
        return { status: 403, limit: 'origin', reason: 'origin not allowed' };
      }
      if (openCount >= limits.maxConnections) return { status: 503, limit: 'connections', reason: 'gate full' };
      if (limits.fdCap !== undefined && openCount >= limits.fdCap) return { status: 503, limit: 'connections-fd-cap', reason: 'gate full' };
      const entry = entryFor(addressKey(request.remoteAddress), now);
      if (entry === null) return { status: 503, limit: 'tracked-ips', reason: 'gate busy' };
      if (entry.open >= limits.maxConnectionsPerIp) {
        return { status: 429, limit: 'connections-per-ip', reason: 'too many connections from your address' };
      }
      refill(entry, now);
      if (entry.tokens < 1) return { status: 429, limit: 'connect-rate', reason: 'connecting too fast' };
      entry.tokens -= 1;
      return null;
    },
    opened(remoteAddress) {
      openCount++;
      const key = addressKey(remoteAddress);
      const entry = perIp.get(key);
      // Admitted entries always exist; one swept in between (no open connection yet) is re-created.
      if (entry) entry.open++;
      else perIp.set(key, { open: 1, tokens: limits.connectBurstPerIp, at: 0 });
    },
    closed(remoteAddress) {
      openCount = Math.max(0, openCount - 1);
      const entry = perIp.get(addressKey(remoteAddress));
      if (entry && entry.open > 0) entry.open--;
    },
    sweep,
    get openCount() {
      return openCount;
    },
    get trackedIps() {
      return perIp.size;
    },
  };
}
