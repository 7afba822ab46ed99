import type { System } from '../../core/world-api.ts';
import { Position, Velocity } from '../builtin-components.ts';

const TERMS = [Position, Velocity] as const;

/**
 * Integrates Velocity into Position. Arrays are read from the stores on every call because growing
 * the world's capacity replaces them. The AOI phase notices the moves by itself.
 */
export const movementSystem: System = (world, dt) => {
  const pos = world.store(Position);
  const vel = world.store(Velocity);
  const { x, y, z } = pos;
  const vx = vel.x;
  const vy = vel.y;
  const vz = vel.z;
  const eids = world.query(TERMS);
  for (let i = 0; i < eids.length; i++) {
    const eid = eids[i];
    x[eid] += vx[eid] * dt;
    y[eid] += vy[eid] * dt;
    z[eid] += vz[eid] * dt;
  }
};
