import { Position, Yaw } from '../ecs/builtin-components.ts';
import type { AnyEntity, EntityTimers } from './entity.ts';
import { TsworldError } from './errors.ts';
import { checkValue, cloneValue, type TypeSpec } from './value-types.ts';
import type { EntityRecord, WorldState } from './world-state.ts';

/** The one handle object per entity. Reads go straight to the record, so it never goes stale. */
export function makeEntityHandle(state: WorldState, rec: EntityRecord): AnyEntity {
  const timers: EntityTimers = {
    add(delayMs, method, args = [], options = {}) {
      const decl = rec.type.rpc.get(method);
      if (decl === undefined) throw new TsworldError('INVALID_ARGUMENT', `${rec.type.name} has no method ${method} for a timer`);
      const err = checkArgs(decl.args, args);
      if (err !== null) throw new TsworldError('INVALID_ARGUMENT', `timer for ${rec.type.name}.${method}: ${err}`);
      const interval = options.repeat === true ? delayMs : typeof options.repeat === 'number' ? options.repeat : 0;
      if (!(delayMs >= 0) || !(interval >= 0) || (options.repeat !== undefined && options.repeat !== false && !(interval >= 1))) {
        throw new TsworldError('INVALID_ARGUMENT', 'timer delay must be >= 0 and a repeat interval >= 1 ms');
      }
      return armTimer(state, rec, method, cloneValue([...args]), delayMs, interval);
    },
    cancel(timerId) {
      const timer = rec.timers.get(timerId);
      if (timer === undefined) return false;
      timer.cancelled = true;
      rec.timers.delete(timerId);
      return true;
    },
    get count() {
      return rec.timers.size;
    },
  };

  return {
    id: rec.id,
    eid: rec.eid,
    typeName: rec.type.name,
    type: rec.type,
    attrs: rec.attrs.accessor,
    world: state.api,
    timers,
    get space() {
      return rec.space.handle;
    },
    get client() {
      return rec.client;
    },
    get destroyed() {
      return rec.state === 'destroying' || rec.state === 'destroyed';
    },
    position() {
      const p = state.storage.store(Position);
      return { x: p.x[rec.eid], y: p.y[rec.eid], z: p.z[rec.eid] };
    },
    setPosition(x, y, z) {
      const p = state.storage.store(Position);
      p.x[rec.eid] = x;
      p.y[rec.eid] = y;
      p.z[rec.eid] = z;
    },
    get yaw() {
      return state.storage.store(Yaw).yaw[rec.eid];
    },
    setYaw(yaw) {
      state.storage.store(Yaw).yaw[rec.eid] = yaw;
    },
    destroy: () => void state.api.destroyEntity(rec.id),
    enterSpace: (spaceId, position) => state.api.enterSpace(rec.id, spaceId, position),
    leaveSpace: () => state.api.leaveSpace(rec.id),
    setClient: (clientId) => void state.api.setClient(rec.id, clientId),
    giveClientTo: (other) => void state.api.giveClientTo(rec.id, other),
    callClient: (method, args = []) => void state.clientCalls.push({ to: 'own', entity: rec.id, method, args: cloneValue([...args]) }),
    callAllClients: (method, args = []) => void state.clientCalls.push({ to: 'all', entity: rec.id, method, args: cloneValue([...args]) }),
  };
}

export function armTimer(state: WorldState, rec: EntityRecord, method: string, args: readonly unknown[], delayMs: number, interval: number, id?: number): number {
  const timerId = id ?? state.nextTimerId++;
  if (id !== undefined && id >= state.nextTimerId) state.nextTimerId = id + 1;
  const timer = { id: timerId, ownerEid: rec.eid, method, args, due: state.now + delayMs, interval, seq: 0, cancelled: false };
  rec.timers.set(timerId, timer);
  state.timers.push(timer);
  return timerId;
}

/** Count and per-argument type check for untrusted input; null when the arguments fit. */
export function checkArgs(specs: readonly TypeSpec[], args: readonly unknown[]): string | null {
  if (!Array.isArray(args)) return 'arguments must be a list';
  if (args.length !== specs.length) return `expected ${specs.length} argument(s), got ${args.length}`;
  for (let i = 0; i < specs.length; i++) {
    const err = checkValue(specs[i], args[i], `argument ${i + 1}`);
    if (err !== null) return err;
  }
  return null;
}
