import { ownedCopy } from '../../protocol/index.ts';
import type { HeldFrame } from './directory.ts';

/**
 * Frames for a game or gate that has not said hello yet, while the dispatcher is starting: after a
 * dispatcher restart, the games and gates reconnect one by one, and a game's reply can reach the new
 * dispatcher before the gate it is for. It is held here (bounded, the unplaced frame bound) and sent
 * when that peer says hello, instead of dropped. Once the deployment is ready, nothing is held here.
 */
export interface PeerWait {
  /** Holds a copy; false when the bound is reached (the caller drops it, as without a wait). */
  hold(peer: string, type: number, body: Uint8Array): boolean;
  /** What was held for the peer, in arrival order; forgotten here. */
  take(peer: string): HeldFrame[];
  /** Everything still held (the deployment became ready without these peers). */
  clear(): number;
}

export function createPeerWait(maxFrames: number): PeerWait {
  const held = new Map<string, HeldFrame[]>();
  let count = 0;
  return {
    hold(peer, type, body) {
      if (count >= maxFrames) return false;
      let list = held.get(peer);
      if (!list) held.set(peer, (list = []));
      list.push({ type, body: ownedCopy(body) });
      count++;
      return true;
    },
    take(peer) {
      const list = held.get(peer) ?? [];
      held.delete(peer);
      count -= list.length;
      return list;
    },
    clear() {
      const dropped = count;
      held.clear();
      count = 0;
      return dropped;
    },
  };
}
