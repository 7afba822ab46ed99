import type { DeploymentConfig, ProcessConfig } from './deployment-config.ts';

/**
 * Hosts: the machines of one deployment. A `hosts` section names them (`"b": { "address": "10.0.0.2" }`)
 * and every process entry's `host` then names the one it runs on; it binds that host's address, and
 * the address is what the others connect to (games and gates to dispatchers; clients to gates). Without
 * the section, `host` is a dispatcher's or gate's bind address, as before, and everything runs where
 * `tsworld start` runs. `tsworld start --host NAME` starts one host's share (src/cli/launch-deployment.ts).
 */
type Hosts = Readonly<Record<string, { readonly address: string }>> | undefined;

export interface Placement {
  /** The bind (and advertised) address. */
  readonly host: string;
  readonly hostName?: string;
}

/**
 * Where an entry runs, from what it wrote. Lenient on purpose: an unknown name is kept as written and
 * reported by checkHosts, which sees the whole config and can list the hosts there are.
 */
export function placeEntry(hosts: Hosts, written: string | undefined, fallback: string): Placement {
  if (hosts === undefined) return { host: written ?? fallback };
  if (written === undefined) return { host: fallback };
  return { host: hosts[written]?.address ?? written, hostName: written };
}

/** An entry on a named host serves metrics on that host's address unless a metricsHost is given. */
export function metricsHostOf(entry: string | undefined, topLevel: string | undefined, placed: Placement, hosts: Hosts, fallback: string): string {
  if (entry !== undefined) return entry;
  if (topLevel !== undefined) return topLevel;
  return placed.hostName !== undefined && hosts?.[placed.hostName] ? placed.host : fallback;
}

type Role = 'dispatchers' | 'games' | 'gates';

function entriesOf(config: DeploymentConfig): [Role, number, ProcessConfig][] {
  const roles: [Role, readonly ProcessConfig[]][] = [
    ['dispatchers', config.dispatchers],
    ['games', config.games],
    ['gates', config.gates],
  ];
  return roles.flatMap(([role, list]) => list.map((entry, i): [Role, number, ProcessConfig] => [role, i, entry]));
}

/**
 * The rules of a multi-host config: every entry names a known host; a dispatcher that processes on
 * other hosts connect to is not on a loopback address; LMDB (one directory on one disk) only with
 * every game on one host.
 */
export function checkHosts(config: DeploymentConfig, hasHostsSection: boolean, isLoopback: (host: string) => boolean, issues: string[]): void {
  const names = Object.keys(config.hosts);
  if (!hasHostsSection) {
    config.games.forEach((g, i) => {
      if (g.hostName !== undefined) issues.push(`games[${i}].host: '${g.hostName}' names a host, but the config has no hosts section`);
    });
    return;
  }
  const known = `hosts: ${names.join(', ') || 'none'}`;
  for (const [role, i, entry] of entriesOf(config)) {
    if (entry.hostName === undefined) issues.push(`${role}[${i}].host: required with a hosts section: name the host it runs on (${known})`);
    else if (!Object.hasOwn(config.hosts, entry.hostName)) issues.push(`${role}[${i}].host: unknown host '${entry.hostName}' (${known})`);
  }
  const used = new Set(entriesOf(config).map(([, , e]) => e.hostName).filter((n): n is string => n !== undefined));
  // Hosts all on loopback addresses are one machine by definition (a rehearsal of a multi-host setup).
  const offLoopback = (n: string): boolean => config.hosts[n] !== undefined && !isLoopback(config.hosts[n].address);
  config.dispatchers.forEach((d, i) => {
    const others = [...used].filter((n) => n !== d.hostName && offLoopback(n));
    if (d.hostName === undefined || others.length === 0 || !isLoopback(d.host)) return;
    issues.push(
      `dispatchers[${i}].host: host '${d.hostName}' has the loopback address ${d.host}, which processes on ${others.join(', ')} cannot reach: ` +
        `give hosts.${d.hostName}.address an address the other hosts reach`,
    );
  });
  checkStorageHosts(config, issues);
}

/**
 * LMDB is a directory on one machine's disk, and two machines cannot share it (lmdb-js's locks do not
 * work over network file systems). So while storage or kv is LMDB, every game (the only processes that
 * open storage) must be on one host; dispatchers and gates may be anywhere.
 */
function checkStorageHosts(config: DeploymentConfig, issues: string[]): void {
  const lmdb = (['storage', 'kv'] as const).filter((k) => config[k].kind === 'lmdb');
  if (lmdb.length === 0) return;
  const byHost = new Map<string, number[]>();
  for (const g of config.games) if (g.hostName !== undefined) byHost.set(g.hostName, [...(byHost.get(g.hostName) ?? []), g.id]);
  if (byHost.size <= 1) return;
  const where = [...byHost].map(([host, ids]) => `${host} (game${ids.length > 1 ? 's' : ''} ${ids.join(', ')})`).join(', ');
  issues.push(
    `${lmdb.join(' and ')}: LMDB is one directory on one machine's disk, but the games run on several hosts: ${where}. ` +
      `Use storage (and kv) of kind redis, or put every game on one host`,
  );
}
