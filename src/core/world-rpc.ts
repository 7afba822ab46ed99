import { checkArgs } from './entity-handle.ts';
import type { EntityId } from './entity-id.ts';
import type { CallResult, RpcCaller } from './world-api.ts';
import type { EntityRecord, WorldState } from './world-state.ts';

const OK: CallResult = Object.freeze({ ok: true });

/** Hot path for client input: every rejection is a result code, never a throw. */
export function callEntity(state: WorldState, id: EntityId, method: string, args: readonly unknown[], caller: RpcCaller): CallResult {
  const rec = state.byId.get(id);
  if (rec === undefined || rec.state !== 'alive') {
    return { ok: false, code: 'UNKNOWN_ENTITY', message: `no entity ${id}` };
  }
  const decl = rec.type.rpc.get(method);
  if (decl === undefined) {
    return { ok: false, code: 'UNKNOWN_METHOD', message: `${rec.type.name} has no method ${method}` };
  }
  if (caller.kind === 'client') {
    const allowed =
      decl.expose === 'ownClient'
        ? rec.client === caller.clientId
        : decl.expose === 'allClients' && clientSees(state, caller.clientId, rec);
    if (!allowed) {
      // Public text: the caller's own id and other internals stay in the game's log.
      return { ok: false, code: 'PERMISSION_DENIED', message: `${rec.type.name}.${method} may not be called by this client (${decl.expose})` };
    }
  }
  const err = checkArgs(decl.args, args);
  if (err !== null) return { ok: false, code: 'INVALID_ARGUMENT', message: `${rec.type.name}.${method}: ${err}` };
  let value: unknown;
  try {
    value = decl.invoke(rec.handle, args);
  } catch (error) {
    state.reportError(error, `${rec.type.name}.${method}`);
    // The exception (message, stack) is logged by reportError; a client only learns that the call failed.
    return { ok: false, code: 'HANDLER_FAILED', message: `${rec.type.name}.${method} failed on the server` };
  }
  return value === undefined ? OK : { ok: true, value };
}

/** A client may call an allClients method of its own entity or of any entity its entity sees. */
function clientSees(state: WorldState, clientId: string, target: EntityRecord): boolean {
  const owner = state.clients.get(clientId);
  if (owner === undefined) return false;
  if (owner === target) return true;
  if (owner.space !== target.space || target.space.index === null || !target.space.index.has(owner.eid)) return false;
  let seen = false;
  target.space.index.forEachInterestedIn(owner.eid, (t) => {
    if (t === target.eid) seen = true;
  });
  return seen;
}

export function neighbourIds(state: WorldState, id: EntityId, direction: 'in' | 'by'): EntityId[] {
  const rec = state.byId.get(id);
  const index = rec?.space.index;
  if (rec === undefined || index === null || index === undefined || !index.has(rec.eid)) return [];
  const out: EntityId[] = [];
  const push = (eid: number) => {
    const other = state.byId.aliveIdAt(eid);
    if (other !== undefined) out.push(other);
  };
  if (direction === 'in') index.forEachInterestedIn(rec.eid, push);
  else index.forEachInterestedBy(rec.eid, push);
  return out;
}
