import { execFileSync } from 'node:child_process';

/**
 * Hosts made of Linux network namespaces for multi-host tests: one namespace per host, each with a
 * veth pair whose other end sits on a bridge in the root namespace (which gets the subnet's .254, so the
 * test process itself can play the clients). Traffic stays on the bridge. `cut(host)` takes a host's
 * link down (its processes go silent to everyone, as when a machine drops off the network);
 * `restore(host)` brings it back. `remove()` deletes every namespace, link and the bridge it made.
 */
export interface NetHosts {
  /** host name → namespace name */
  readonly namespaces: Readonly<Record<string, string>>;
  /** host name → its address on the bridge */
  readonly addresses: Readonly<Record<string, string>>;
  /** `ip netns exec <ns>`: prefix a command with it to run it on that host. */
  wrap(host: string): string[];
  cut(host: string): void;
  restore(host: string): void;
  remove(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Why namespaces cannot be made here (not root, no iproute2, a container without CAP_NET_ADMIN), or
 * undefined when a probe namespace could be added and removed.
 */
export function netnsSkipReason(): string | undefined {
  const probe = `tsw-probe-${process.pid}`;
  try {
    ip('netns', 'add', probe);
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim();
    return `'ip netns add' is not permitted here (${stderr || 'no ip command'}); the multi-host test needs root with CAP_NET_ADMIN and iproute2`;
  }
  try {
    ip('netns', 'del', probe);
  } catch {
    // it was made, so it can be removed; a failure here would show in the real setup
  }
  return undefined;
}

/** Removes what exists of it; every step may have failed half-way, so none may throw. */
function quietly(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // already gone
  }
}

/** Hosts `names` on `${prefix}.1`, `.2`, … in order (prefix such as '10.77.0'). */
export function createNetHosts(names: readonly string[], prefix: string): NetHosts {
  // Short and unique per run: interface names have at most 15 characters.
  const tag = String(process.pid % 100_000);
  const bridge = `tsbr${tag}`;
  const namespaces = Object.fromEntries(names.map((h) => [h, `tsw-${h}-${tag}`]));
  const addresses = Object.fromEntries(names.map((h, i) => [h, `${prefix}.${i + 1}`]));
  const hostEnd = (h: string): string => `ts${h}${tag}`;
  // A second bridge on the same subnet (another run, or one that crashed) would make routing ambiguous.
  const taken = execFileSync('ip', ['-o', '-4', 'addr', 'show'], { encoding: 'utf8' })
    .split('\n')
    .find((line) => line.includes(` ${prefix}.`));
  if (taken) throw new Error(`${prefix}.0/24 is already in use here (${taken.trim().split(/\s+/)[1]}): remove it, or wait for the run that made it`);
  const remove = (): void => {
    for (const h of names) {
      quietly('netns', 'del', namespaces[h]!);
      quietly('link', 'del', hostEnd(h));
    }
    quietly('link', 'del', bridge);
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${prefix}.254/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    for (const h of names) {
      const ns = namespaces[h]!;
      ip('netns', 'add', ns);
      ip('link', 'add', hostEnd(h), 'type', 'veth', 'peer', 'name', `${hostEnd(h)}p`, 'netns', ns);
      ip('link', 'set', hostEnd(h), 'master', bridge, 'up');
      ip('-n', ns, 'link', 'set', `${hostEnd(h)}p`, 'name', 'eth0');
      ip('-n', ns, 'addr', 'add', `${addresses[h]}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
  } catch (err) {
    remove();
    throw err;
  }
  return {
    namespaces,
    addresses,
    wrap: (h) => ['ip', 'netns', 'exec', namespaces[h]!],
    cut: (h) => ip('link', 'set', hostEnd(h), 'down'),
    restore: (h) => ip('link', 'set', hostEnd(h), 'up'),
    remove,
  };
}
