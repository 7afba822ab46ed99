import { defineComponent } from './schema.ts';

/** World position. AOI works on the horizontal plane: x and z. */
export const Position = defineComponent('Position', { x: 'f32', y: 'f32', z: 'f32' });
/** Facing around the vertical axis, radians. */
export const Yaw = defineComponent('Yaw', { yaw: 'f32' });
/** Units per second; integrated into Position by the movement system. */
export const Velocity = defineComponent('Velocity', { x: 'f32', y: 'f32', z: 'f32' });
/** Per-entity AOI radius; overrides the entity type's and the space's radius when present. */
export const AoiRadius = defineComponent('AoiRadius', { radius: 'f32' });
