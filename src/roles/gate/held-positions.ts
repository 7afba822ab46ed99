import { MSG, decodePositionBatch, encodePositionBatch, positionBatchSize } from '../../protocol/index.ts';
import { writeU16 } from '../../protocol/routing-key.ts';

/**
 * A slow client's position stream, coalesced: the newest position per handle, held while its send
 * buffer is over `clientCoalesceBytes` and sent as one POSITION_SYNC once it drains. A position
 * supersedes the last, so only intermediate states are lost; everything else still goes in order.
 */
export interface HeldPositions {
  readonly size: number;
  /** Merges one POSITION_SYNC client message (u16 type · body); returns the records it superseded. */
  hold(message: Uint8Array): number;
  /** The client was told the handle's entity is gone: its held position must not land on the next one. */
  forget(handle: number): boolean;
  /** Everything held, as one POSITION_SYNC client message, and clears; null when nothing is held. */
  take(): Uint8Array | null;
}

/** Absolute position and yaw per handle (f64; requantized against the merged batch's own origin). */
export function createHeldPositions(): HeldPositions {
  const held = new Map<number, Float64Array>();
  return {
    get size() {
      return held.size;
    },
    hold(message) {
      let superseded = 0;
      decodePositionBatch(message.subarray(2), (handle, x, y, z, yaw) => {
        let slot = held.get(handle);
        if (slot) superseded++;
        else held.set(handle, (slot = new Float64Array(4)));
        slot[0] = x;
        slot[1] = y;
        slot[2] = z;
        slot[3] = yaw;
      });
      return superseded;
    },
    forget: (handle) => held.delete(handle),
    take() {
      // A POSITION_SYNC holds at most 65535 records, as many as a client has handles.
      const count = held.size;
      if (count === 0) return null;
      const src = { x: new Float32Array(count), y: new Float32Array(count), z: new Float32Array(count), yaw: new Float32Array(count) };
      const eids = new Uint32Array(count);
      const handles = new Uint16Array(count);
      let i = 0;
      for (const [handle, slot] of held) {
        src.x[i] = slot[0];
        src.y[i] = slot[1];
        src.z[i] = slot[2];
        src.yaw[i] = slot[3];
        eids[i] = i;
        handles[i] = handle;
        i++;
      }
      held.clear();
      const message = new Uint8Array(2 + positionBatchSize(count));
      writeU16(message, 0, MSG.POSITION_SYNC.id);
      encodePositionBatch(message, 2, src, eids, handles, count);
      return message;
    },
  };
}
