import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { TsworldError } from '../../core/errors.ts';
import { MSG, type WireCodec } from '../../protocol/index.ts';
import type { Scheduler } from '../../tick/clock.ts';
import type { ConnectLinkOptions, Link, LinkNetwork } from '../../transport/index.ts';
import { DEFAULTS } from '../../config/deployment-schema.ts';
import type { LivenessSettings } from './link-liveness.ts';
import type { RoleRuntime } from './runtime.ts';

/**
 * Link authentication (SPEC.md, "Link authentication"): the dispatcher opens every link with a fresh
 * nonce, the peer answers with its own nonce and an HMAC of both under the cluster secret, and the
 * dispatcher answers with its own HMAC, so each end knows the other holds the secret before a hello is
 * sent. Without a secret both ends send empty proofs: links work as they did, which is what a
 * loopback-only deployment needs (the config refuses an internal port off loopback without one).
 */
export const NONCE_BYTES = 32;

const EMPTY = new Uint8Array(0);

/** Each side's proof has its own label, so a proof can never be reflected back as the other side's. */
export type ProofSide = 'peer' | 'dispatcher';

export function linkProof(secret: string, side: ProofSide, dispatcherNonce: Uint8Array, peerNonce: Uint8Array): Uint8Array {
  return createHmac('sha256', secret).update(`tsworld-link-v1 ${side}\0`).update(dispatcherNonce).update(peerNonce).digest();
}

/** Constant-time: how much of a proof matched must not show in how long the check took. */
export function proofMatches(secret: string, side: ProofSide, dispatcherNonce: Uint8Array, peerNonce: Uint8Array, proof: Uint8Array): boolean {
  const expected = linkProof(secret, side, dispatcherNonce, peerNonce);
  return proof.length === expected.length && timingSafeEqual(expected, proof);
}

export function newNonce(): Uint8Array {
  return new Uint8Array(randomBytes(NONCE_BYTES));
}

/** The proof this end sends: empty when no secret is configured. */
export function proofOrEmpty(secret: string | undefined, side: ProofSide, dispatcherNonce: Uint8Array, peerNonce: Uint8Array): Uint8Array {
  return secret === undefined ? EMPTY : linkProof(secret, side, dispatcherNonce, peerNonce);
}

/** Frames a game or gate handles while its link authenticates, before its role's table sees any. */
export const PEER_AUTH_TYPES: ReadonlySet<number> = new Set([MSG.LINK_CHALLENGE.id, MSG.LINK_AUTH_OK.id]);

export interface AuthenticatedConnectOptions extends ConnectLinkOptions {
  readonly codec: WireCodec;
  /** The cluster secret; undefined: none configured (loopback deployments). */
  readonly secret: string | undefined;
  readonly scheduler: Scheduler;
  /** A dispatcher that has not completed the exchange in this long is given up on. */
  readonly timeoutMs: number;
}

/** The exchange's settings from a game's or gate's options: its secret, and the liveness timeout as the bound. */
export function linkAuthOptions(opts: {
  readonly codec: WireCodec;
  readonly clusterSecret?: string;
  readonly runtime: RoleRuntime;
  readonly liveness?: LivenessSettings;
}): Pick<AuthenticatedConnectOptions, 'codec' | 'secret' | 'scheduler' | 'timeoutMs'> {
  return {
    codec: opts.codec,
    secret: opts.clusterSecret,
    scheduler: opts.runtime.scheduler,
    timeoutMs: (opts.liveness ?? DEFAULTS.liveness).timeoutMs,
  };
}

/** The peer's half of the exchange on one link; returns why the link must be dropped, or 'done'. */
function peerExchange(options: AuthenticatedConnectOptions): (link: Link, type: number, body: Uint8Array) => string | 'done' | void {
  const { codec, secret } = options;
  let dispatcherNonce: Uint8Array | undefined;
  let peerNonce: Uint8Array | undefined;
  return (link, type, body) => {
    if (type === MSG.LINK_CHALLENGE.id && peerNonce === undefined) {
      const challenge = codec.decode(MSG.LINK_CHALLENGE, body);
      if (challenge instanceof Error) return `malformed LINK_CHALLENGE: ${challenge.message}`;
      if (challenge.nonce.length !== NONCE_BYTES) return `LINK_CHALLENGE nonce of ${challenge.nonce.length} bytes, expected ${NONCE_BYTES}`;
      dispatcherNonce = challenge.nonce.slice();
      peerNonce = newNonce();
      codec.encodeTo(link, MSG.LINK_AUTH, { nonce: peerNonce, proof: proofOrEmpty(secret, 'peer', dispatcherNonce, peerNonce) });
      link.flush();
      return;
    }
    if (type === MSG.LINK_AUTH_OK.id && dispatcherNonce !== undefined && peerNonce !== undefined) {
      const ok = codec.decode(MSG.LINK_AUTH_OK, body);
      if (ok instanceof Error) return `malformed LINK_AUTH_OK: ${ok.message}`;
      if (secret !== undefined && !proofMatches(secret, 'dispatcher', dispatcherNonce, peerNonce, ok.proof)) {
        return 'the dispatcher did not prove it knows the cluster secret (is it configured with the same one?)';
      }
      return 'done';
    }
    return `frame type ${type} before the link was authenticated`;
  };
}

/**
 * Connects to a dispatcher and runs the peer's half of the exchange. Resolves with the link once the
 * dispatcher has proved the secret; only then do frames reach `onFrame`, and only then may the caller
 * say hello. A link refused or dropped during the exchange rejects (PERMISSION_DENIED) and never
 * reaches `onClose`: it was never the caller's.
 */
export async function connectAuthenticated(net: LinkNetwork, options: AuthenticatedConnectOptions): Promise<Link> {
  const where = `${options.host}:${options.port}`;
  const exchange = peerExchange(options);
  let authenticated = false;
  let settle!: (error?: TsworldError) => void;
  const done = new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())));
  const refuse = (link: Link, reason: string): void => {
    settle(new TsworldError('PERMISSION_DENIED', `link to dispatcher ${where}: ${reason}`));
    link.destroy();
  };
  const link = await net.connect({
    ...options,
    onFrame(type, body, l) {
      if (authenticated) return options.onFrame(type, body, l);
      const step = exchange(l, type, body);
      if (step === 'done') {
        authenticated = true;
        settle();
      } else if (typeof step === 'string') {
        refuse(l, step);
      }
    },
    onClose(l, error) {
      if (authenticated) return options.onClose?.(l, error);
      const why = error ? `: ${error.message}` : '';
      settle(new TsworldError('PERMISSION_DENIED', `dispatcher ${where} closed the link before it was authenticated${why} ` +
        '(a dispatcher refuses a peer whose cluster secret differs from its own)'));
    },
  });
  const cancel = options.scheduler.schedule(() => {
    if (!authenticated) refuse(link, `no authentication within ${options.timeoutMs} ms`);
  }, options.timeoutMs);
  try {
    await done;
  } finally {
    cancel();
  }
  return link;
}
