import { Position, Yaw } from '../ecs/builtin-components.ts';
import type { AnyEntity, CronHandle, EntityTimers, TimerOptions, Vec3 } from './entity.ts';
import { TsworldError } from './errors.ts';
import { checkValue, cloneValue, type TypeSpec } from './value-types.ts';
import type { TimerRecord } from './timer-queue.ts';
import type { EntityRecord, WorldState } from './world-state.ts';

/**
 * The one handle object per entity. Reads go straight to the record, so it never goes stale. Methods
 * live on the prototype: a game creates entities by the hundred thousand and per-entity closures
 * showed up as most of the creation cost (GC).
 */
class EntityHandle implements AnyEntity {
  private readonly state: WorldState;
  private readonly rec: EntityRecord;
  private timersApi: EntityTimers | undefined;

  constructor(state: WorldState, rec: EntityRecord) {
    this.state = state;
    this.rec = rec;
  }

  get timers(): EntityTimers {
    this.timersApi ??= new Timers(this.state, this.rec);
    return this.timersApi;
  }

  cron(expr: string, method: string, args: readonly unknown[] = []): CronHandle {
    const checked = checkedTimerArgs(this.rec, method, args, 'cron entry');
    const wallNow = this.state.wallNow();
    this.state.cron.check(expr, wallNow);
    const at = this.state.cron.next(expr, wallNow)!;
    const id = armTimer(this.state, this.rec, method, checked, at - wallNow, 0, undefined, expr);
    const timers = this.timers;
    return Object.freeze({ id, cancel: () => timers.cancel(id) });
  }

  get id() {
    return this.rec.id;
  }
  get eid() {
    return this.rec.eid;
  }
  get typeName() {
    return this.rec.type.name;
  }
  get type() {
    return this.rec.type;
  }
  get attrs() {
    return this.rec.attrs.accessor;
  }
  get world() {
    return this.state.api;
  }
  get space() {
    return this.rec.space.handle;
  }
  get client() {
    return this.rec.client;
  }
  get destroyed() {
    return this.rec.state === 'destroying' || this.rec.state === 'destroyed';
  }
  position() {
    const p = this.state.storage.store(Position);
    const eid = this.rec.eid;
    return { x: p.x[eid], y: p.y[eid], z: p.z[eid] };
  }
  setPosition(x: number, y: number, z: number) {
    const p = this.state.storage.store(Position);
    const eid = this.rec.eid;
    p.x[eid] = x;
    p.y[eid] = y;
    p.z[eid] = z;
  }
  get yaw() {
    return this.state.storage.store(Yaw).yaw[this.rec.eid];
  }
  setYaw(yaw: number) {
    this.state.storage.store(Yaw).yaw[this.rec.eid] = yaw;
  }
  destroy() {
    this.state.api.destroyEntity(this.rec.id);
  }
  save(done?: (err: Error | null) => void) {
    const { type } = this.rec;
    if (!type.persistent) throw new TsworldError('INVALID_STATE', `${type.name} is not a persistent type: nothing to save`);
    if (this.destroyed) throw new TsworldError('INVALID_STATE', `${type.name} ${this.rec.id} is destroyed: its final state is saved already`);
    const requested = this.state.options.observer?.saveRequested;
    if (requested === undefined) throw new TsworldError('INVALID_STATE', 'this world has no storage (it runs outside a game process)');
    requested(this, done ?? (() => undefined));
  }
  enterSpace(spaceId: string, position?: Vec3) {
    this.state.api.enterSpace(this.rec.id, spaceId, position);
  }
  leaveSpace() {
    this.state.api.leaveSpace(this.rec.id);
  }
  setClient(clientId: string | null) {
    return this.state.api.setClient(this.rec.id, clientId);
  }
  get clientSyncing() {
    return this.rec.clientSyncing;
  }
  setClientSyncing(on: boolean) {
    this.rec.clientSyncing = on;
  }
  giveClientTo(other: string) {
    return this.state.api.giveClientTo(this.rec.id, other);
  }
  callClient(method: string, args: readonly unknown[] = []) {
    this.state.clientCalls.push({ to: 'own', entity: this.rec.id, method, args: cloneValue([...args]) });
  }
  callAllClients(method: string, args: readonly unknown[] = []) {
    this.state.clientCalls.push({ to: 'all', entity: this.rec.id, method, args: cloneValue([...args]) });
  }
}

class Timers implements EntityTimers {
  private readonly state: WorldState;
  private readonly rec: EntityRecord;

  constructor(state: WorldState, rec: EntityRecord) {
    this.state = state;
    this.rec = rec;
  }

  add(delayMs: number, method: string, args: readonly unknown[] = [], options: TimerOptions = {}): number {
    const rec = this.rec;
    const checked = checkedTimerArgs(rec, method, args, 'timer');
    const interval = options.repeat === true ? delayMs : typeof options.repeat === 'number' ? options.repeat : 0;
    if (!(delayMs >= 0) || !(interval >= 0) || (options.repeat !== undefined && options.repeat !== false && !(interval >= 1))) {
      throw new TsworldError('INVALID_ARGUMENT', 'timer delay must be >= 0 and a repeat interval >= 1 ms');
    }
    return armTimer(this.state, rec, method, checked, delayMs, interval);
  }

  cancel(timerId: number): boolean {
    const timer = this.rec.timers?.get(timerId);
    if (timer === undefined) return false;
    timer.cancelled = true;
    this.rec.timers?.delete(timerId);
    return true;
  }

  get count() {
    return this.rec.timers?.size ?? 0;
  }
}

export function makeEntityHandle(state: WorldState, rec: EntityRecord): AnyEntity {
  return new EntityHandle(state, rec);
}

/** The arguments of a timer or cron entry, checked against the method's spec and copied. */
function checkedTimerArgs(rec: EntityRecord, method: string, args: readonly unknown[], what: string): unknown[] {
  const decl = rec.type.rpc.get(method);
  if (decl === undefined) throw new TsworldError('INVALID_ARGUMENT', `${rec.type.name} has no method ${method} for a ${what}`);
  const err = checkArgs(decl.args, args);
  if (err !== null) throw new TsworldError('INVALID_ARGUMENT', `${what} for ${rec.type.name}.${method}: ${err}`);
  return cloneValue([...args]);
}

/** `cron`: a crontab entry (the expression), due in `delayMs` and then at the expression's times. */
export function armTimer(
  state: WorldState,
  rec: EntityRecord,
  method: string,
  args: readonly unknown[],
  delayMs: number,
  interval: number,
  id?: number,
  cron?: string,
): number {
  const timerId = id ?? state.nextTimerId++;
  if (id !== undefined && id >= state.nextTimerId) state.nextTimerId = id + 1;
  const timer: TimerRecord = { id: timerId, ownerEid: rec.eid, method, args, due: state.now + delayMs, interval, seq: 0, cancelled: false };
  if (cron !== undefined) Object.assign(timer, { cron, cronAt: state.wallNow() + delayMs });
  (rec.timers ??= new Map()).set(timerId, timer);
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
