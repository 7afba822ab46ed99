import { Position, type System } from '../engine.ts';
import { WORLD_SIZE } from '../layout.ts';
import { Wander } from '../monster.ts';
import { MONSTER_SPEED } from '../version.ts';

const TERMS = [Position, Wander] as const;
const MAX_TURN_SEC = 4;

/**
 * Walks every monster straight ahead at MONSTER_SPEED, turning at random moments and bouncing off the
 * World's edges. Stores are read on every call: growing the world replaces the arrays.
 */
export const wander: System = (world, dt) => {
  const pos = world.store(Position);
  const walk = world.store(Wander);
  const eids = world.query(TERMS);
  const step = MONSTER_SPEED * dt;
  for (let i = 0; i < eids.length; i++) {
    const eid = eids[i];
    walk.turnIn[eid] -= dt;
    if (walk.turnIn[eid] <= 0) {
      walk.heading[eid] = Math.random() * 2 * Math.PI;
      walk.turnIn[eid] = Math.random() * MAX_TURN_SEC;
    }
    let x = pos.x[eid] + Math.cos(walk.heading[eid]) * step;
    let z = pos.z[eid] + Math.sin(walk.heading[eid]) * step;
    if (x < 0 || x >= WORLD_SIZE || z < 0 || z >= WORLD_SIZE) {
      walk.heading[eid] += Math.PI;
      x = Math.min(Math.max(x, 0), WORLD_SIZE - 1e-3);
      z = Math.min(Math.max(z, 0), WORLD_SIZE - 1e-3);
    }
    pos.x[eid] = x;
    pos.z[eid] = z;
  }
};
