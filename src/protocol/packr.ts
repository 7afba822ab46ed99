import { Packr } from 'msgpackr';

/**
 * Builds the process's one msgpackr instance (no module-level instance: the caller creates it at start-up
 * and passes it to the codec).
 *
 * Records/structures are OFF on the wire, deliberately:
 * - structured bodies are already positional arrays (see fields.ts), so there are no repeated keys for
 *   records to save;
 * - shared structures would have to be identical on both ends across reconnects, hot swaps and client
 *   builds, and a record definition sent by a client is untrusted state the decoder would keep.
 * Snapshot files (hot swap) may use their own Packr with records, since one process writes and reads them.
 */
export function createPackr(): Packr {
  return new Packr({
    useRecords: false,
    moreTypes: false,
    // msgpackr's id/pointer extensions (0x69/0x70) rebuild shared and cyclic graphs: a few bytes can
    // describe an exponentially large value. Nothing in the protocol needs them; refuse them on decode.
    structuredClone: false,
    mapsAsObjects: true,
    // Attribute leaves are GoWorld's int64/float64; JS numbers are what the game code uses.
    int64AsType: 'number',
    encodeUndefinedAsNil: true,
  });
}

export type { Packr };
