import { attr, defineComponent, defineEntityType, t } from './engine.ts';

/** A monster's walk: its heading (radians) and the seconds until it picks a new one. */
export const Wander = defineComponent('Wander', { heading: 'f32', turnIn: 'f32' });

/** Server-driven: moved by systems/wander.ts, seen by players through AOI. */
export const Monster = defineEntityType({
  name: 'Monster',
  components: [Wander],
  attrs: { kind: attr(t.string, { flags: ['allClients'], default: 'slime' }) },
});
