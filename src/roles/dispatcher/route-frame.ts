import { TsworldError } from '../../core/errors.ts';
import { MSG, ProtocolError, readEntityKey, readGameKey, readGateKey, tableByType, type MessageSpec, type RouteTarget } from '../../protocol/index.ts';
import type { Link } from '../../transport/index.ts';
import type { HandlerTable } from '../../protocol/handler-table.ts';
import { type DispatcherState, out } from './dispatcher-state.ts';
import type { OwnFrame } from './own-frames.ts';
import { checkPeerFrame } from './peer-rules.ts';
import type { GamePeer } from './peers.ts';
import { broadcastGates, broadcastGames, forwardToGame, routeToEntity } from './routing.ts';
import { splitClientPositions } from './split-positions.ts';

/** One frame of a peer that said hello, with what the routing step needs to know about it. */
interface Routed {
  readonly s: DispatcherState;
  readonly own: HandlerTable<OwnFrame>;
  readonly link: Link;
  readonly game: GamePeer | undefined;
  readonly spec: MessageSpec;
  readonly body: Uint8Array;
}

/** Returns why the peer may not send the frame (the link is then closed), or nothing. */
type TargetStep = (r: Routed) => string | void;

function toDispatcher(r: Routed): string | void {
  const result = r.own.dispatch({ s: r.s, link: r.link, game: r.game }, r.spec.id, r.body);
  if (result instanceof ProtocolError) {
    if (!r.game) return result.message;
    // A game's frame whose fields do not decode comes from its game code (a bad type name...): the
    // frame is dropped and said, but the game stays; closing its link would take every player on it.
    r.s.throttle.log('error', `undecodable:${r.spec.name}`, { gameId: r.game.id, err: result }, 'dropped an undecodable frame from a game');
    return;
  }
  if (result === 'unhandled') return `${r.spec.name} is not handled by a dispatcher`;
}

function toGate(r: Routed): void {
  const gate = r.s.peers.gate(readGateKey(r.body));
  if (gate) return void out(r.s, gate.link).send(r.spec.id, r.body);
  // A restarted dispatcher: the gate may simply not have reconnected yet.
  if (r.s.run === 'starting' && r.s.waiting.hold(`gate${readGateKey(r.body)}`, r.spec.id, r.body)) return;
  r.s.throttle.log('warn', 'no-gate', { gateId: readGateKey(r.body), msg: r.spec.name }, 'dropped a frame for an unknown gate');
}

function split(r: Routed): string | void {
  const { directory } = r.s;
  const perGame = splitClientPositions(r.body, (id) => {
    const entry = directory.get(id);
    return entry?.state === 'ready' ? entry.gameId : undefined;
  });
  if (perGame instanceof TsworldError) return perGame.message;
  for (const [gameId, merged] of perGame) forwardToGame(r.s, gameId, MSG.SYNC_POSITIONS_FROM_CLIENTS.id, merged);
}

/**
 * What the dispatcher does per table target: the range and the key say where a frame goes, and only
 * frames addressed to the dispatcher itself are decoded (by its handler table).
 */
const BY_TARGET: Readonly<Partial<Record<RouteTarget, TargetStep>>> = {
  dispatcher: toDispatcher,
  entity: (r) => routeToEntity(r.s, readEntityKey(r.body), r.spec.id, r.body, r.game),
  game: (r) => forwardToGame(r.s, readGameKey(r.body), r.spec.id, r.body),
  gate: toGate,
  allGames: (r) => broadcastGames(r.s, r.spec.id, r.body, r.game?.id),
  allGates: (r) => broadcastGates(r.s, r.spec.id, r.body),
  split,
};

/**
 * BY_TARGET's step for each message type, resolved once: looking `spec.target` up by name per frame is a
 * keyed load whose key changes from frame to frame (megamorphic in V8), on every frame routed.
 */
const STEP_BY_TYPE = tableByType((spec) => BY_TARGET[spec.target]);

/** Routes one frame of a peer that said hello; returns why the peer may not send it. */
export function routeFrame(s: DispatcherState, own: HandlerTable<OwnFrame>, link: Link, type: number, body: Uint8Array): string | void {
  const game = s.peers.gameOfLink(link);
  const spec = checkPeerFrame(game ? 'game' : 'gate', type, body);
  if (typeof spec === 'string') return spec;
  s.metrics?.messagesIn(spec.route);
  const step = STEP_BY_TYPE[spec.id];
  if (step === undefined) return `${spec.name} is not routed by a dispatcher`;
  return step({ s, own, link, game, spec, body });
}
