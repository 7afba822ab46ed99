import { MSG, type MessageValue, type WireCodec } from '../../protocol/index.ts';

/** The first frame of a link, which says what is at the other end. */
export type Hello =
  | { readonly kind: 'game'; readonly hello: MessageValue<typeof MSG.SET_GAME_ID> }
  | { readonly kind: 'gate'; readonly hello: MessageValue<typeof MSG.SET_GATE_ID> };

/** The hello a new link opens with, or why its first frame is not one (the link is then closed). */
export function parseHello(codec: WireCodec, type: number, body: Uint8Array): Hello | string {
  if (type === MSG.SET_GAME_ID.id) {
    const hello = codec.decode(MSG.SET_GAME_ID, body);
    return hello instanceof Error ? `malformed SET_GAME_ID: ${hello.message}` : { kind: 'game', hello };
  }
  if (type === MSG.SET_GATE_ID.id) {
    const hello = codec.decode(MSG.SET_GATE_ID, body);
    return hello instanceof Error ? `malformed SET_GATE_ID: ${hello.message}` : { kind: 'gate', hello };
  }
  return `expected SET_GAME_ID or SET_GATE_ID first, got type ${type}`;
}

/** The frames a link may open with; the dispatcher handles them in its handshake step (own-frames.ts). */
export const HELLO_TYPES: ReadonlySet<number> = new Set([MSG.SET_GAME_ID.id, MSG.SET_GATE_ID.id]);
