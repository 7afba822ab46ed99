import { crc32 } from 'node:zlib';
import { TsworldError } from '../core/errors.ts';

/*
 * Byte layout of a hot-swap snapshot file (all header integers little-endian):
 *
 *   prelude (80 bytes)
 *     0   magic "TSWSNAP\0"
 *     8   u32 file format version (SNAPSHOT_VERSION)
 *     12  u32 world dump format (WORLD_DUMP_FORMAT of the writer)
 *     16  u32 section count
 *     20  u32 game id
 *     24  f64 tick
 *     32  f64 world time, ms
 *     40  16 ascii bytes: component schema hash
 *     56  u64 total file length
 *     64  u32 flags (bit 0: component arrays are little-endian)
 *     68  u32 reserved, 0
 *     72  u32 crc32 of bytes [0, 72) and the section table
 *     76  u32 reserved, 0
 *   section table (count x 24 bytes): u32 kind, u32 crc32 of the section, u64 offset, u64 length
 *   sections, each starting on an 8-byte boundary (zero padding between)
 *
 * Sections, in this order: one LAYOUT (msgpack: dump header, component/field descriptors and entity
 * table columns, each naming its section), one STATE (msgpack: the entity table minus its numeric
 * columns — ids, attribute columns, timers, clients — and the spaces), one EXTRA (msgpack: the game
 * role's own state), one COLUMN per typed-array entity-table column (raw: listed u8, idCodes u8,
 * idSlots i32, type/space/componentSet u32, all but idSlots indexed by eid), and one FIELD per
 * component field: that field's typed array, raw, for slots [0, count). 8-byte alignment lets a
 * reader view every array in place on the file buffer.
 */

export const SNAPSHOT_MAGIC = 'TSWSNAP\0';
/**
 * 3: the entity table is indexed by eid, with the id index and the numeric attribute columns as raw
 * sections (WORLD_DUMP_FORMAT 3). 1 had the table by row and an id string; 2 was 3's draft, with
 * two-byte id characters and every attribute in msgpack.
 */
export const SNAPSHOT_VERSION = 3;
export const PRELUDE_BYTES = 80;
export const SECTION_ENTRY_BYTES = 24;
const HEADER_CRC_AT = 72;
const SCHEMA_HASH_BYTES = 16;
const FLAG_LITTLE_ENDIAN = 1;
/** Sanity bound so a corrupt count cannot make the reader allocate a huge table. */
const MAX_SECTIONS = 1 << 20;

export const SectionKind = { layout: 1, state: 2, extra: 3, field: 4, column: 5 } as const;
export type SectionKind = (typeof SectionKind)[keyof typeof SectionKind];

export interface SnapshotPrelude {
  version: number;
  dumpFormat: number;
  gameId: number;
  tick: number;
  now: number;
  schemaHash: string;
  fileLength: number;
}

export interface SectionEntry {
  kind: SectionKind;
  offset: number;
  length: number;
  crc: number;
}

export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function align8(n: number): number {
  return (n + 7) & ~7;
}

function corrupt(path: string, why: string): TsworldError {
  return new TsworldError('INVALID_STATE', `snapshot ${path} is corrupt or truncated: ${why}`);
}

/** Writes the prelude and section table into `out` (already sized to the whole file). */
export function writeHeader(out: Uint8Array, p: SnapshotPrelude, sections: readonly SectionEntry[]): void {
  if (p.schemaHash.length !== SCHEMA_HASH_BYTES || !/^[\x20-\x7e]*$/.test(p.schemaHash)) {
    throw new TsworldError('INVALID_ARGUMENT', `schema hash must be ${SCHEMA_HASH_BYTES} printable ascii characters`);
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < 8; i++) out[i] = SNAPSHOT_MAGIC.charCodeAt(i);
  view.setUint32(8, p.version, true);
  view.setUint32(12, p.dumpFormat, true);
  view.setUint32(16, sections.length, true);
  view.setUint32(20, p.gameId, true);
  view.setFloat64(24, p.tick, true);
  view.setFloat64(32, p.now, true);
  for (let i = 0; i < SCHEMA_HASH_BYTES; i++) out[40 + i] = p.schemaHash.charCodeAt(i);
  view.setBigUint64(56, BigInt(p.fileLength), true);
  view.setUint32(64, HOST_LITTLE_ENDIAN ? FLAG_LITTLE_ENDIAN : 0, true);
  let at = PRELUDE_BYTES;
  for (const s of sections) {
    view.setUint32(at, s.kind, true);
    view.setUint32(at + 4, s.crc, true);
    view.setBigUint64(at + 8, BigInt(s.offset), true);
    view.setBigUint64(at + 16, BigInt(s.length), true);
    at += SECTION_ENTRY_BYTES;
  }
  view.setUint32(HEADER_CRC_AT, headerCrc(out, at), true);
}

function headerCrc(buf: Uint8Array, tableEnd: number): number {
  return crc32(buf.subarray(PRELUDE_BYTES, tableEnd), crc32(buf.subarray(0, HEADER_CRC_AT)));
}

/** Size of the prelude plus table for `count` sections: where the first section may start. */
export function headerBytes(count: number): number {
  return align8(PRELUDE_BYTES + count * SECTION_ENTRY_BYTES);
}

/**
 * Validates and decodes the prelude and section table of a whole file buffer. Every failure is a
 * TsworldError: INVALID_STATE for damage (bad magic, truncation, checksum), SCHEMA_MISMATCH for a file
 * this code cannot read (other format version, other byte order).
 */
export function readHeader(path: string, buf: Uint8Array): { prelude: SnapshotPrelude; sections: SectionEntry[] } {
  if (buf.byteLength < PRELUDE_BYTES) throw corrupt(path, `${buf.byteLength} bytes, shorter than the ${PRELUDE_BYTES}-byte prelude`);
  for (let i = 0; i < 8; i++) {
    if (buf[i] !== SNAPSHOT_MAGIC.charCodeAt(i)) throw corrupt(path, 'bad magic (not a tsworld snapshot)');
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const version = view.getUint32(8, true);
  if (version !== SNAPSHOT_VERSION) {
    throw new TsworldError('SCHEMA_MISMATCH', `snapshot ${path} has file format ${version}; this code reads ${SNAPSHOT_VERSION}`);
  }
  const count = view.getUint32(16, true);
  const fileLength = Number(view.getBigUint64(56, true));
  if (fileLength !== buf.byteLength) throw corrupt(path, `header says ${fileLength} bytes, file has ${buf.byteLength}`);
  if (count > MAX_SECTIONS || PRELUDE_BYTES + count * SECTION_ENTRY_BYTES > buf.byteLength) {
    throw corrupt(path, `section table of ${count} entries does not fit`);
  }
  const tableEnd = PRELUDE_BYTES + count * SECTION_ENTRY_BYTES;
  if (view.getUint32(HEADER_CRC_AT, true) !== headerCrc(buf, tableEnd)) throw corrupt(path, 'header checksum mismatch');
  const littleEndian = (view.getUint32(64, true) & FLAG_LITTLE_ENDIAN) !== 0;
  if (littleEndian !== HOST_LITTLE_ENDIAN) {
    throw new TsworldError('SCHEMA_MISMATCH', `snapshot ${path} was written on a host of the other byte order`);
  }
  let schemaHash = '';
  for (let i = 0; i < SCHEMA_HASH_BYTES; i++) schemaHash += String.fromCharCode(buf[40 + i]);
  const sections: SectionEntry[] = [];
  for (let i = 0, at = PRELUDE_BYTES; i < count; i++, at += SECTION_ENTRY_BYTES) {
    const kind = view.getUint32(at, true);
    const offset = Number(view.getBigUint64(at + 8, true));
    const length = Number(view.getBigUint64(at + 16, true));
    if (kind < SectionKind.layout || kind > SectionKind.column) throw corrupt(path, `section ${i} has unknown kind ${kind}`);
    if (offset % 8 !== 0 || offset < tableEnd || offset + length > buf.byteLength) {
      throw corrupt(path, `section ${i} (${offset}+${length}) lies outside the file or is misaligned`);
    }
    sections.push({ kind: kind as SectionKind, offset, length, crc: view.getUint32(at + 4, true) });
  }
  return {
    prelude: {
      version,
      dumpFormat: view.getUint32(12, true),
      gameId: view.getUint32(20, true),
      tick: view.getFloat64(24, true),
      now: view.getFloat64(32, true),
      schemaHash,
      fileLength,
    },
    sections,
  };
}

/** The bytes of one section after checking its checksum. */
export function sectionBytes(path: string, buf: Uint8Array, s: SectionEntry, index: number): Uint8Array {
  const bytes = buf.subarray(s.offset, s.offset + s.length);
  if (crc32(bytes) !== s.crc) throw corrupt(path, `section ${index} checksum mismatch`);
  return bytes;
}

export { crc32 };
