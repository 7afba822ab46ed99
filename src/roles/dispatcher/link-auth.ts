import type { LogThrottle, Metrics } from '../../observability/index.ts';
import { MSG, messageSpec, type WireCodec } from '../../protocol/index.ts';
import type { Scheduler } from '../../tick/clock.ts';
import type { Link } from '../../transport/index.ts';
import { NONCE_BYTES, newNonce, proofMatches, proofOrEmpty } from '../shared/link-auth.ts';
import { peerAddress } from './frame-guard.ts';

/**
 * The dispatcher's half of link authentication (SPEC.md, "Link authentication"). Every accepted link
 * gets a fresh nonce at once; until the peer has answered with a valid proof, the only frame it may
 * send is LINK_AUTH, and only then is its hello read. A peer that fails (no proof, a wrong one, any
 * other frame, silence past the timeout) is dropped, counted as `link-auth` and logged at a bounded rate.
 */
export interface LinkAuth {
  /** A link was accepted: challenge it. */
  open(link: Link): void;
  /** Whether the link has proved the secret, so its next frame is read as a hello. */
  authenticated(link: Link): boolean;
  /** A frame of a link that has not authenticated yet. */
  step(link: Link, type: number, body: Uint8Array): void;
  forget(link: Link): void;
  close(): void;
}

export interface LinkAuthDeps {
  readonly codec: WireCodec;
  /** undefined: no secret configured; empty proofs are accepted (loopback only, see load-config). */
  readonly secret: string | undefined;
  readonly scheduler: Scheduler;
  readonly timeoutMs: number;
  readonly throttle: LogThrottle;
  readonly metrics?: Metrics;
}

/** The frame a link authenticates with; handled here, before the hello (hello.ts) and the tables. */
export const LINK_AUTH_TYPES: ReadonlySet<number> = new Set([MSG.LINK_AUTH.id]);

type AuthState = { readonly nonce: Uint8Array; readonly cancel: () => void } | 'authenticated';

export function createLinkAuth(deps: LinkAuthDeps): LinkAuth {
  const { codec, secret } = deps;
  const states = new Map<Link, AuthState>();

  function forget(link: Link): void {
    const state = states.get(link);
    if (state !== undefined && state !== 'authenticated') state.cancel();
    states.delete(link);
  }

  function refuse(link: Link, reason: string): void {
    forget(link);
    deps.metrics?.refused('link-auth');
    deps.throttle.log('warn', 'link-auth', { peer: peerAddress(link), reason }, 'refused an internal link that did not authenticate; closing it');
    link.destroy();
  }

  /** Why the LINK_AUTH in `body` is not acceptable, or undefined; answers it when it is. */
  function answer(link: Link, dispatcherNonce: Uint8Array, body: Uint8Array): string | undefined {
    const auth = codec.decode(MSG.LINK_AUTH, body);
    if (auth instanceof Error) return `malformed LINK_AUTH: ${auth.message}`;
    if (auth.nonce.length !== NONCE_BYTES) return `LINK_AUTH nonce of ${auth.nonce.length} bytes, expected ${NONCE_BYTES}`;
    if (secret !== undefined && !proofMatches(secret, 'peer', dispatcherNonce, auth.nonce, auth.proof)) {
      return auth.proof.length === 0 ? 'no proof of the cluster secret (the peer has none configured)' : 'wrong proof of the cluster secret';
    }
    codec.encodeTo(link, MSG.LINK_AUTH_OK, { proof: proofOrEmpty(secret, 'dispatcher', dispatcherNonce, auth.nonce) });
    link.flush();
    return undefined;
  }

  return {
    open(link) {
      const nonce = newNonce();
      const cancel = deps.scheduler.schedule(() => {
        if (states.get(link) !== 'authenticated') refuse(link, `no authentication within ${deps.timeoutMs} ms`);
      }, deps.timeoutMs);
      states.set(link, { nonce, cancel });
      codec.encodeTo(link, MSG.LINK_CHALLENGE, { nonce });
      link.flush();
    },
    authenticated: (link) => states.get(link) === 'authenticated',
    step(link, type, body) {
      const state = states.get(link);
      if (state === undefined || state === 'authenticated') return refuse(link, 'link not challenged');
      if (type !== MSG.LINK_AUTH.id) return refuse(link, `${messageSpec(type)?.name ?? `type ${type}`} before LINK_AUTH`);
      const problem = answer(link, state.nonce, body);
      if (problem !== undefined) return refuse(link, problem);
      state.cancel();
      states.set(link, 'authenticated');
    },
    forget,
    close() {
      for (const link of [...states.keys()]) forget(link);
    },
  };
}
