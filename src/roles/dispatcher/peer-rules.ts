import { MSG, messageSpec, tableByType, type MessageSpec } from '../../protocol/index.ts';

/**
 * Which frames each kind of peer may send a dispatcher once it has said hello. Anything else is a
 * protocol violation, and the dispatcher closes that peer's link: a peer that sends frames it never
 * should is broken or not what it claims, and routing its frames would spread the damage.
 */
export type PeerKind = 'game' | 'gate';

/** What a gate forwards for its clients (SPEC.md: gate→dispatcher→…). A gate sends nothing else. */
const GATE_SENDS: ReadonlySet<number> = new Set([
  MSG.CALL_FROM_CLIENT.id,
  MSG.REQUEST_FROM_CLIENT.id,
  MSG.NOTIFY_CLIENT_CONNECTED.id,
  MSG.NOTIFY_CLIENT_DISCONNECTED.id,
  MSG.CLIENT_RESUME.id,
  MSG.SYNC_POSITIONS_FROM_CLIENTS.id,
  MSG.LINK_HEARTBEAT.id,
]);

/**
 * Client traffic only a gate originates. NOTIFY_CLIENT_DISCONNECTED is not among them: a game that
 * handed a client off forwards it behind the hand-off.
 */
const GATE_ONLY: ReadonlySet<number> = new Set([
  MSG.CALL_FROM_CLIENT.id,
  MSG.REQUEST_FROM_CLIENT.id,
  MSG.NOTIFY_CLIENT_CONNECTED.id,
  MSG.CLIENT_RESUME.id,
  MSG.SYNC_POSITIONS_FROM_CLIENTS.id,
]);


/** Targets the dispatcher acts on; `peer` and `gateLocal` frames never travel towards a dispatcher. */
const ROUTED: ReadonlySet<MessageSpec['target']> = new Set(['dispatcher', 'entity', 'game', 'gate', 'allGames', 'allGates', 'split']);

/** Why `kind` may never send a frame of `spec`, or null when it may. */
function refusal(kind: PeerKind, spec: MessageSpec): string | null {
  if (!ROUTED.has(spec.target)) return `${spec.name} is never sent to a dispatcher`;
  // A game says SET_GAME_ID again to resume after an abandoned freeze; the dispatcher checks it is one.
  if (spec.id === MSG.SET_GATE_ID.id || (spec.id === MSG.SET_GAME_ID.id && kind === 'gate')) {
    return `${spec.name} after the handshake`;
  }
  const allowed = kind === 'gate' ? GATE_SENDS.has(spec.id) : !GATE_ONLY.has(spec.id);
  return allowed ? null : `${spec.name} may not come from a ${kind}`;
}

/**
 * Per kind, indexed by type: the spec when that kind may send it. Built once; this runs per frame (not
 * frozen: see tableByType).
 */
function allowedTable(kind: PeerKind): readonly (MessageSpec | undefined)[] {
  return tableByType((spec) => (refusal(kind, spec) === null ? spec : undefined));
}

const ALLOWED: Readonly<Record<PeerKind, readonly (MessageSpec | undefined)[]>> = {
  game: allowedTable('game'),
  gate: allowedTable('gate'),
};

/**
 * The frame's spec when `kind` may send it, else why not: an unknown type, a type that never travels
 * to a dispatcher or not from this kind of peer, a second gate hello, or a body too short for its key.
 */
export function checkPeerFrame(kind: PeerKind, type: number, body: Uint8Array): MessageSpec | string {
  const spec = ALLOWED[kind][type];
  if (spec === undefined) {
    const known = messageSpec(type);
    return known ? refusal(kind, known)! : `unknown message type ${type}`;
  }
  if (body.length < spec.keySize) return `${spec.name} body of ${body.length} bytes is shorter than its key`;
  return spec;
}
