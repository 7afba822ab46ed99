import { TsworldError } from './errors.ts';
import { ENTITY_ID_LENGTH, type EntityId } from './entity-id.ts';

/** The index as plain typed arrays: what a snapshot stores, and what a restore copies back. */
export interface IdIndexDump {
  /** Open-addressed table (length a power of two): an eid, or 0 for an empty slot. */
  slots: Int32Array;
  /** The id of eid e is bytes [e * 16, e * 16 + 16), one per character; eids without an entity hold anything. */
  codes: Uint8Array;
  /** 1 where an eid has an entry. */
  listed: Uint8Array;
  size: number;
}

const MIN_SLOTS = 64;
/** Characters an id column byte can hold (entity ids use base64url, a subset). */
const BYTE_CHARS = /^[\x00-\xff]*$/;

/**
 * The world's id → eid map, kept in typed arrays: an id column indexed by eid (16 bytes each: entity
 * ids are base64url, so every character fits a byte) and an open-addressed table of eids, linear probing, deletion by backward shift (no
 * tombstones). A Map of a hundred thousand string keys costs a restore a hash and an entry per entity
 * plus the GC of them; this one is restored by copying its three arrays. Eids are 1-based, so 0 marks
 * an empty slot.
 */
export class IdIndex {
  private slots: Int32Array;
  private codes: Uint8Array;
  private flags: Uint8Array;
  private count = 0;
  private high = 0;

  constructor(dump?: IdIndexDump) {
    if (dump === undefined) {
      this.slots = new Int32Array(MIN_SLOTS);
      this.codes = new Uint8Array(MIN_SLOTS * ENTITY_ID_LENGTH);
      this.flags = new Uint8Array(MIN_SLOTS);
      return;
    }
    checkDump(dump);
    this.slots = dump.slots.slice();
    this.codes = dump.codes.slice();
    this.flags = dump.listed.slice();
    this.count = dump.size;
    this.high = dump.listed.lastIndexOf(1) + 1;
  }

  get size(): number {
    return this.count;
  }

  /** One past the highest eid with an entry (1 when there is none, eids being 1-based). */
  get highWater(): number {
    return Math.max(1, this.high);
  }

  /** The eid of `id`, or 0. */
  get(id: EntityId): number {
    if (id.length !== ENTITY_ID_LENGTH) return 0;
    const mask = this.slots.length - 1;
    for (let i = hashId(id) & mask; ; i = (i + 1) & mask) {
      const eid = this.slots[i];
      if (eid === 0 || this.matches(eid, id)) return eid;
    }
  }

  /** Whether `eid` has an entry. */
  listed(eid: number): boolean {
    return this.flags[eid] === 1;
  }

  /** The id stored at `eid` (meaningful only while it is listed). */
  idAt(eid: number): EntityId {
    const c = this.codes;
    const o = eid * ENTITY_ID_LENGTH;
    return String.fromCharCode(c[o], c[o + 1], c[o + 2], c[o + 3], c[o + 4], c[o + 5], c[o + 6], c[o + 7],
      c[o + 8], c[o + 9], c[o + 10], c[o + 11], c[o + 12], c[o + 13], c[o + 14], c[o + 15]);
  }

  /** Adds `id` at `eid`; the caller has checked that neither is taken. */
  set(id: EntityId, eid: number): void {
    if (id.length !== ENTITY_ID_LENGTH || !BYTE_CHARS.test(id)) {
      throw new TsworldError('INVALID_ARGUMENT', `entity id ${id} is not ${ENTITY_ID_LENGTH} one-byte characters`);
    }
    if (!(eid >= 1) || this.flags[eid] === 1) throw new TsworldError('INVALID_STATE', `eid ${eid} is taken or invalid`);
    if ((this.count + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    this.ensureEid(eid);
    const o = eid * ENTITY_ID_LENGTH;
    for (let k = 0; k < ENTITY_ID_LENGTH; k++) this.codes[o + k] = id.charCodeAt(k);
    this.insert(eid);
    this.flags[eid] = 1;
    this.count++;
    if (eid >= this.high) this.high = eid + 1;
  }

  /** Removes `id`; returns whether it was there. */
  delete(id: EntityId): boolean {
    const eid = this.get(id);
    if (eid === 0) return false;
    const mask = this.slots.length - 1;
    let hole = this.slotOf(eid, id);
    // Backward shift: pull later entries of the probe run into the hole so every lookup still finds them.
    for (let i = (hole + 1) & mask; this.slots[i] !== 0; i = (i + 1) & mask) {
      const home = this.homeOf(this.slots[i]);
      if (((i - home) & mask) >= ((i - hole) & mask)) {
        this.slots[hole] = this.slots[i];
        hole = i;
      }
    }
    this.slots[hole] = 0;
    this.flags[eid] = 0;
    this.count--;
    if (eid + 1 === this.high) this.high = this.flags.lastIndexOf(1, eid) + 1;
    return true;
  }

  /** Listed eids in ascending order. */
  *eids(): IterableIterator<number> {
    for (let eid = 1; eid < this.high; eid++) if (this.flags[eid] === 1) yield eid;
  }

  /** Copies of the arrays, the id column and flags cut at `highWater` eids. */
  dump(): IdIndexDump {
    const n = this.highWater;
    return {
      slots: this.slots.slice(),
      codes: this.codes.slice(0, n * ENTITY_ID_LENGTH),
      listed: this.flags.slice(0, n),
      size: this.count,
    };
  }

  private matches(eid: number, id: EntityId): boolean {
    const c = this.codes;
    const o = eid * ENTITY_ID_LENGTH;
    for (let k = 0; k < ENTITY_ID_LENGTH; k++) if (c[o + k] !== id.charCodeAt(k)) return false;
    return true;
  }

  private slotOf(eid: number, id: EntityId): number {
    const mask = this.slots.length - 1;
    let i = hashId(id) & mask;
    while (this.slots[i] !== eid) i = (i + 1) & mask;
    return i;
  }

  private homeOf(eid: number): number {
    return hashCodes(this.codes, eid * ENTITY_ID_LENGTH) & (this.slots.length - 1);
  }

  private insert(eid: number): void {
    const mask = this.slots.length - 1;
    let i = this.homeOf(eid);
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = eid;
  }

  private rehash(length: number): void {
    const old = this.slots;
    this.slots = new Int32Array(length);
    for (let i = 0; i < old.length; i++) if (old[i] !== 0) this.insert(old[i]);
  }

  private ensureEid(eid: number): void {
    if (eid < this.flags.length) return;
    const n = Math.max(eid + 1, this.flags.length * 2);
    const flags = new Uint8Array(n);
    flags.set(this.flags);
    this.flags = flags;
    const codes = new Uint8Array(n * ENTITY_ID_LENGTH);
    codes.set(this.codes);
    this.codes = codes;
  }
}

/**
 * A restored table must keep free slots (or a lookup of an absent id would never stop) and name only
 * eids the id column has: one pass over the table. Whether each eid sits in its own probe run, once,
 * is the snapshot checksum's to vouch for; a lookup compares the id itself, so a stray slot cannot
 * answer for another id.
 */
function checkDump({ slots, codes, listed, size }: IdIndexDump): void {
  const shaped = slots.length >= MIN_SLOTS && (slots.length & (slots.length - 1)) === 0 && codes.length === listed.length * ENTITY_ID_LENGTH;
  if (!shaped || size * 2 > slots.length) throw new TsworldError('INVALID_STATE', 'id index arrays do not fit together');
  let filled = 0;
  let bad = false;
  const high = listed.length;
  for (let i = 0; i < slots.length; i++) {
    const eid = slots[i];
    if (eid !== 0) {
      filled++;
      if (eid < 0 || eid >= high || listed[eid] !== 1) bad = true;
    }
  }
  let count = 0;
  for (let eid = 0; eid < high; eid++) count += listed[eid];
  if (bad || filled !== size || count !== size) {
    throw new TsworldError('INVALID_STATE', `id index holds ${filled} slots and ${count} listed eids for ${size} ids, or a slot names an eid with no id`);
  }
}

/** FNV-1a over the 16 characters; the same value as hashCodes over the id's column. */
function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < ENTITY_ID_LENGTH; k++) h = Math.imul(h ^ id.charCodeAt(k), 0x01000193);
  return h >>> 0;
}

function hashCodes(codes: Uint8Array, at: number): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < ENTITY_ID_LENGTH; k++) h = Math.imul(h ^ codes[at + k], 0x01000193);
  return h >>> 0;
}
