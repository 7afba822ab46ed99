import { defineSpaceType } from './engine.ts';
import { AOI_RADIUS } from './layout.ts';

/** The one open-world space of each game. */
export const World = defineSpaceType({ name: 'World', aoi: { radius: AOI_RADIUS } });
