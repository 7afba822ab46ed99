/**
 * Bounds on what the dispatcher holds for entity ids no game has announced ("unplaced" pending
 * entries). A game may call an entity it created this tick before the create notice arrives, so such
 * frames are held; but game code also passes on ids a client chose, so without these bounds one client
 * could make the dispatcher hold any number of entries and frames.
 */
export interface PendingLimits {
  /** Unplaced entries one game may have open at once. */
  readonly maxPerSender: number;
  /** Unplaced entries across every game. */
  readonly maxTotal: number;
  /** Frames held in unplaced entries, all together. */
  readonly maxHeldFrames: number;
  /** Body bytes held in unplaced entries, all together. */
  readonly maxHeldBytes: number;
}

/** The limit a refusal came from, as counted in tsworld_refused_total{limit}. */
export type PendingLimit = 'pending-per-sender' | 'pending-total' | 'pending-held-frames' | 'pending-held-bytes';

/** Counts only: the directory reports every unplaced entry and frame that comes and goes. */
export interface PendingBudget {
  readonly entries: number;
  readonly frames: number;
  readonly bytes: number;
  entriesOf(sender: number): number;
  /** The limit an entry from `sender` holding one frame of `bytes` would exceed, or null. Counts nothing. */
  check(sender: number, bytes: number): PendingLimit | null;
  /** The limit one more held frame of `bytes` would exceed, or null. Counts nothing. */
  checkFrame(bytes: number): PendingLimit | null;
  addEntry(sender: number): void;
  removeEntry(sender: number): void;
  addFrame(bytes: number): void;
  removeFrames(frames: number, bytes: number): void;
}

export function createPendingBudget(limits: PendingLimits): PendingBudget {
  const perSender = new Map<number, number>();
  let entries = 0;
  let frames = 0;
  let bytes = 0;

  const checkFrame = (size: number): PendingLimit | null => {
    if (frames + 1 > limits.maxHeldFrames) return 'pending-held-frames';
    if (bytes + size > limits.maxHeldBytes) return 'pending-held-bytes';
    return null;
  };

  return {
    get entries() {
      return entries;
    },
    get frames() {
      return frames;
    },
    get bytes() {
      return bytes;
    },
    entriesOf: (sender) => perSender.get(sender) ?? 0,
    check(sender, size) {
      // Per sender first: a flooding game should see its own limit named, not the shared one.
      if ((perSender.get(sender) ?? 0) + 1 > limits.maxPerSender) return 'pending-per-sender';
      if (entries + 1 > limits.maxTotal) return 'pending-total';
      return checkFrame(size);
    },
    checkFrame,
    addEntry(sender) {
      perSender.set(sender, (perSender.get(sender) ?? 0) + 1);
      entries++;
    },
    removeEntry(sender) {
      const left = (perSender.get(sender) ?? 0) - 1;
      // Deleted at zero so the map tracks only games with entries open.
      if (left > 0) perSender.set(sender, left);
      else perSender.delete(sender);
      entries--;
    },
    addFrame(size) {
      frames++;
      bytes += size;
    },
    removeFrames(count, size) {
      frames -= count;
      bytes -= size;
    },
  };
}
