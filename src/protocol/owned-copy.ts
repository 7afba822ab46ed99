/**
 * A copy of `bytes` in a buffer of its own. Not `bytes.slice()`: on a Node Buffer (what sockets and
 * msgpackr hand out) `slice` is a view that keeps the whole chunk alive and sees later writes to it,
 * which is wrong for anything kept past the current call (queues, outboxes, held frames).
 */
export function ownedCopy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
