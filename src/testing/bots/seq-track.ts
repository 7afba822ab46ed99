/**
 * Checks one stream of sequence-numbered replies as they arrive: each reply must carry exactly the next
 * number (1, 2, 3, ...). Anything else, a gap, a duplicate, a reordering or a number never sent, is kept
 * as a violation with what was expected, so a report can say precisely what went wrong.
 */
export interface SeqTrack {
  /** Numbers handed out so far: 1..sent. */
  readonly sent: number;
  /** Replies received, violations included. */
  readonly received: number;
  /** Distinct numbers in 1..sent that got a reply. */
  readonly answered: number;
  readonly violations: readonly string[];
  /** Hands out the next number. */
  next(): number;
  /** Records a reply; returns false if it broke the order. */
  reply(seq: number): boolean;
  /** Numbers sent but not answered, at most `limit` of them, ascending. */
  missing(limit?: number): number[];
}

const MAX_VIOLATIONS = 20;

export function createSeqTrack(): SeqTrack {
  let sent = 0;
  let received = 0;
  let answered = 0;
  let expected = 1;
  let got = new Uint8Array(64);
  const violations: string[] = [];
  let dropped = 0;

  function violate(text: string): false {
    if (violations.length < MAX_VIOLATIONS) violations.push(text);
    else if (++dropped === 1) violations.push('(further violations not listed)');
    return false;
  }

  return {
    get sent() {
      return sent;
    },
    get received() {
      return received;
    },
    get answered() {
      return answered;
    },
    violations,
    next() {
      sent++;
      if (sent >= got.length) {
        const grown = new Uint8Array(got.length * 2);
        grown.set(got);
        got = grown;
      }
      return sent;
    },
    reply(seq) {
      received++;
      if (!Number.isSafeInteger(seq) || seq < 1 || seq > sent) return violate(`reply for seq ${String(seq)}, never sent (sent 1..${sent})`);
      if (got[seq] === 1) {
        expected = Math.max(expected, seq + 1);
        return violate(`duplicate reply for seq ${seq}`);
      }
      got[seq] = 1;
      answered++;
      if (seq === expected) {
        expected++;
        return true;
      }
      const text = seq > expected ? `seq ${seq} arrived while ${expected} was expected (gap or reordering)` : `seq ${seq} arrived after later seqs (reordered; expected ${expected})`;
      expected = Math.max(expected, seq + 1);
      return violate(text);
    },
    missing(limit = 10) {
      const out: number[] = [];
      for (let s = 1; s <= sent && out.length < limit; s++) if (got[s] !== 1) out.push(s);
      return out;
    },
  };
}
